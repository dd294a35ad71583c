// The outbox shared by the terminal client and the desktop client's socket
// worker (src/net/outbox.ts), against a scripted client: lines go out in
// order, one at a time; while the connection is down they wait and go out
// once after the resume; a line whose acknowledgement was lost is found in
// the room's newer history instead of being sent again; the bound refuses
// more lines at once; refusals and a session that ends are reported per line.

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { ChannelError, RequestError } from '../../src/net/errors.ts';
import { LiveSession, Outbox, SessionGone, type OutboxClient, type OutboxLine, type SessionEvents } from '../../src/net/outbox.ts';
import type { ChatMessage } from '../../src/net/schema.ts';

type SendBehaviour = 'store' | 'store_then_drop' | 'drop' | { refuse: RequestError };

/** A client whose "server" is an array; each send does what the next scripted behaviour says (default: store). */
class FakeClient extends EventEmitter {
  user = 'alice';
  stored: ChatMessage[] = [];
  sends: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  historyCalls = 0;
  script: SendBehaviour[] = [];
  private nextId = 1;

  store(from: string, room: string, body: string): ChatMessage {
    const message = { id: this.nextId++, room, from, body, ts: 1_700_000_000_000 + this.nextId };
    this.stored.push(message);
    return message;
  }

  async send(room: string, body: string): Promise<ChatMessage> {
    this.sends.push(body);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      const behaviour = this.script.shift() ?? 'store';
      if (typeof behaviour === 'object') throw behaviour.refuse;
      if (behaviour === 'drop') return this.drop();
      const message = this.store(this.user, room, body);
      if (behaviour === 'store_then_drop') return this.drop();
      return message;
    } finally {
      this.inFlight -= 1;
    }
  }

  async history(room: string, page: { after?: number; limit?: number }): Promise<{ room: string; messages: ChatMessage[]; more: boolean }> {
    this.historyCalls += 1;
    const newer = this.stored.filter((message) => message.room === room && message.id > (page.after ?? 0));
    const limit = page.limit ?? 50;
    return { room, messages: newer.slice(0, limit), more: newer.length > limit };
  }

  /** The connection goes with a request in flight. */
  private drop(): never {
    this.emit('state', 'reconnecting');
    throw new ChannelError('closed', 'the connection to the server was lost');
  }

  resume(): void {
    this.emit('state', 'connected');
    this.emit('session', {}, true);
  }
}

function setup(options: { maxQueued?: number } = {}) {
  const client = new FakeClient();
  const live = new LiveSession(client as unknown as SessionEvents);
  const acknowledged: Array<{ tag: number; message: ChatMessage }> = [];
  const refused: Array<{ tag: number; error: Error }> = [];
  const waiting: number[] = [];
  const outbox = new Outbox<number>(
    client as unknown as OutboxClient,
    live,
    {
      acknowledged: (message, line: OutboxLine<number>) => acknowledged.push({ tag: line.tag, message }),
      refused: (line, error) => refused.push({ tag: line.tag, error }),
      waiting: (line) => waiting.push(line.tag),
    },
    options,
  );
  return { client, live, outbox, acknowledged, refused, waiting };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));
const bodies = (messages: ChatMessage[]): string[] => messages.map((message) => message.body);

describe('outbox (shared by the terminal and desktop clients)', () => {
  test('lines go out in the order they were queued, one request at a time', async () => {
    const { client, outbox, acknowledged } = setup();
    ['one', 'two', 'three'].forEach((body, i) => assert.equal(outbox.enqueue('general', body, i), true));
    assert.equal(outbox.size, 3);
    await outbox.drain();
    assert.deepEqual(bodies(client.stored), ['one', 'two', 'three']);
    assert.deepEqual(acknowledged.map((a) => [a.tag, a.message.body]), [[0, 'one'], [1, 'two'], [2, 'three']]);
    assert.equal(client.maxInFlight, 1);
    assert.equal(outbox.size, 0);
  });

  test('while the connection is down lines wait, then each goes out once after the resume', async () => {
    const { client, outbox, acknowledged, waiting } = setup();
    client.emit('state', 'reconnecting');
    outbox.enqueue('general', 'typed while down', 1);
    outbox.enqueue('general', 'and another', 2);
    await tick();
    assert.deepEqual(client.sends, [], 'nothing is tried while the connection is down');
    assert.deepEqual(waiting, [1], 'told once, for the line whose turn it is');
    client.emit('state', 'connected');
    await tick();
    assert.deepEqual(client.sends, [], '"connected" is not enough: the resume is not done yet');
    client.resume();
    await outbox.drain();
    assert.deepEqual(client.sends, ['typed while down', 'and another']);
    assert.deepEqual(bodies(client.stored), ['typed while down', 'and another']);
    assert.deepEqual(acknowledged.map((a) => a.tag), [1, 2]);
  });

  test('a line stored before its acknowledgement was lost is found in the newer history, not sent again', async () => {
    const { client, outbox, acknowledged } = setup();
    // What the room held before; the outbox is told, as the clients tell it about every line they see.
    for (let i = 0; i < 5; i += 1) outbox.saw(client.store('bob', 'general', 'same words'));
    client.script = ['store_then_drop'];
    outbox.enqueue('general', 'same words', 7);
    await tick();
    // Someone else writes a lot while we are away: the lookup has to page.
    for (let i = 0; i < 450; i += 1) client.store('bob', 'general', `busy ${i}`);
    client.resume();
    await outbox.drain();
    assert.deepEqual(client.sends, ['same words'], 'sent once');
    assert.equal(client.stored.filter((message) => message.from === 'alice').length, 1, 'stored once');
    assert.equal(acknowledged[0]?.tag, 7);
    assert.equal(acknowledged[0]?.message.id, client.stored.find((message) => message.from === 'alice')?.id, 'acknowledged with the stored copy');
  });

  test('a line lost before it was stored is sent again after the resume', async () => {
    const { client, outbox, acknowledged, waiting } = setup();
    client.script = ['drop'];
    outbox.enqueue('general', 'hello', 1);
    await tick();
    assert.deepEqual(waiting, [1], 'the line in flight when the connection went is reported as waiting');
    client.resume();
    await outbox.drain();
    assert.deepEqual(client.sends, ['hello', 'hello']);
    assert.deepEqual(bodies(client.stored), ['hello']);
    assert.equal(acknowledged.length, 1);
    assert.deepEqual(waiting, [1], 'once');
  });

  test('the bound refuses more lines at once and takes them again once there is room', async () => {
    const { client, outbox } = setup({ maxQueued: 3 });
    client.emit('state', 'reconnecting');
    assert.deepEqual(['a', 'b', 'c', 'd'].map((body, i) => outbox.enqueue('general', body, i)), [true, true, true, false]);
    assert.equal(outbox.size, 3);
    client.resume();
    await outbox.drain();
    assert.deepEqual(bodies(client.stored), ['a', 'b', 'c']);
    assert.equal(outbox.enqueue('general', 'e', 4), true);
    await outbox.drain();
    assert.deepEqual(bodies(client.stored), ['a', 'b', 'c', 'e']);
  });

  test('a refused line is reported and the next one still goes out; rate limits are waited out', async () => {
    const { client, outbox, acknowledged, refused } = setup();
    client.script = [{ refuse: new RequestError('not_a_member', 'you are not in that room') }, { refuse: new RequestError('rate_limited', 'slow down', 30) }];
    outbox.enqueue('elsewhere', 'refused', 1);
    outbox.enqueue('general', 'after a wait', 2);
    await outbox.drain();
    assert.deepEqual(refused.map((r) => [r.tag, (r.error as RequestError).code]), [[1, 'not_a_member']]);
    assert.deepEqual(acknowledged.map((a) => a.tag), [2]);
    assert.deepEqual(client.sends, ['refused', 'after a wait', 'after a wait']);
  });

  test('when the session ends, every waiting line is refused with SessionGone', async () => {
    const { client, outbox, refused } = setup();
    client.emit('state', 'reconnecting');
    outbox.enqueue('general', 'x', 1);
    outbox.enqueue('general', 'y', 2);
    await tick();
    client.emit('sessionEnded', 'token expired');
    await outbox.drain();
    assert.deepEqual(refused.map((r) => r.tag), [1, 2]);
    assert.ok(refused.every((r) => r.error instanceof SessionGone));
    assert.deepEqual(client.sends, []);
  });
});
