// The server and the client library together, over real loopback sockets,
// with the real store in a temp folder.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatClient } from '../../src/net/client.ts';
import { RequestError } from '../../src/net/errors.ts';
import { MAX_BODY_BYTES } from '../../src/net/limits.ts';
import type { ChatMessage } from '../../src/net/schema.ts';
import { type TestServer, nextEvent, startTestServer, waitFor } from '../helpers/harness.ts';

const PASSWORD = 'correct horse battery';

function rejectsWith(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof RequestError, `expected a RequestError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.ok(error.message.length > 0);
    return true;
  };
}

describe('accounts and chat', () => {
  let harness: TestServer;
  let alice: ChatClient;
  let bob: ChatClient;

  before(async () => {
    // The history test sends 60 lines at once; the rate limit has its own test.
    harness = await startTestServer({ messageRate: { burst: 1000, perSecond: 1000 } });
    alice = await harness.client();
    bob = await harness.client();
    await alice.register('alice', PASSWORD);
    await bob.register('bob', PASSWORD);
  });
  after(() => harness.cleanup());

  test('registration refuses a taken name, case and width folded', async () => {
    const other = await harness.client();
    await assert.rejects(other.register('ALICE', PASSWORD), rejectsWith('username_taken'));
    await assert.rejects(other.register('ａｌｉｃｅ', PASSWORD), rejectsWith('username_taken'));
  });

  test('registration states which rule a name or password breaks', async () => {
    const other = await harness.client();
    await assert.rejects(other.register('al', PASSWORD), rejectsWith('invalid_username'));
    await assert.rejects(other.register('carol', 'short'), rejectsWith('invalid_password'));
  });

  test('a wrong password and an unknown user get the same answer', async () => {
    const other = await harness.client();
    const wrong = await other.login('alice', 'not the password').catch((error: unknown) => error);
    const unknown = await other.login('nobody-here', 'not the password').catch((error: unknown) => error);
    assert.ok(wrong instanceof RequestError && unknown instanceof RequestError);
    assert.equal(wrong.code, 'invalid_credentials');
    assert.equal(unknown.code, wrong.code);
    assert.equal(unknown.message, wrong.message);
  });

  test('a message is acknowledged to its sender and delivered to the room', async () => {
    const received = nextEvent<[ChatMessage, boolean]>(bob, 'message');
    const ack = await alice.send('general', 'hello bob');
    assert.equal(typeof ack.id, 'number');
    assert.ok(Math.abs(ack.ts - Date.now()) < 60_000);
    const [message, missed] = await received;
    assert.deepEqual(message, ack);
    assert.equal(message.from, 'alice');
    assert.equal(missed, false);
  });

  test('a user logged in twice is online once and gets every message in both', async () => {
    const second = await harness.client();
    await second.login('bob', PASSWORD);
    const online = await alice.users();
    assert.equal(online.filter((name) => name === 'bob').length, 1);
    const inFirst = nextEvent<[ChatMessage]>(bob, 'message');
    const inSecond = nextEvent<[ChatMessage]>(second, 'message');
    const ack = await alice.send('general', 'to both windows');
    assert.equal((await inFirst)[0].id, ack.id);
    assert.equal((await inSecond)[0].id, ack.id);
    // Logging out of one leaves the other signed in.
    await second.logout();
    assert.ok((await alice.users()).includes('bob'));
    const still = nextEvent<[ChatMessage]>(bob, 'message');
    await alice.send('general', 'still there?');
    assert.equal((await still)[0].body, 'still there?');
  });

  test('join and leave send notices to the room, and membership persists', async () => {
    await alice.join('projects');
    const joined = nextEvent<[{ room: string; event: string; user: string }]>(alice, 'notice');
    const result = await bob.join('Projects');
    assert.equal(result.room.name, 'projects');
    assert.deepEqual(
      { ...(await joined)[0], ts: 0 },
      { room: 'projects', event: 'join', user: 'bob', ts: 0 },
    );
    const fromBob = nextEvent<[ChatMessage]>(alice, 'message');
    await bob.send('projects', 'in projects');
    assert.equal((await fromBob)[0].room, 'projects');

    const rooms = await bob.rooms();
    assert.ok(rooms.some((room) => room.name === 'projects' && room.joined && room.members === 2));

    const left = nextEvent<[{ event: string; user: string }]>(alice, 'notice');
    await bob.leave('projects');
    assert.equal((await left)[0].event, 'leave');
    await assert.rejects(bob.send('projects', 'gone'), rejectsWith('not_a_member'));
    await assert.rejects(bob.leave('general'), rejectsWith('cannot_leave'));
  });

  test('a body at the limit passes; one byte over is refused and the connection stays', async () => {
    const atLimit = 'é'.repeat(MAX_BODY_BYTES / 2);
    assert.equal((await alice.send('general', atLimit)).body, atLimit);
    // The server's own check (the client library refuses it before sending, too).
    await assert.rejects(alice.request('send', { room: 'general', body: atLimit + 'x' }), rejectsWith('body_too_long'));
    await assert.rejects(alice.send('general', atLimit + 'x'), rejectsWith('body_too_long'));
    assert.equal((await alice.send('general', 'after the refusal')).body, 'after the refusal');
    // A request the server would close the connection over is refused before it leaves.
    await assert.rejects(alice.request('send', { room: 'general', body: 'x'.repeat(70_000) }), rejectsWith('bad_request'));
    assert.equal(alice.state, 'connected');
    assert.equal((await alice.send('general', 'still connected')).body, 'still connected');
  });

  test('requests before login are refused', async () => {
    const guest = await harness.client();
    await assert.rejects(guest.send('general', 'hi'), rejectsWith('not_authenticated'));
    await assert.rejects(guest.users(), rejectsWith('not_authenticated'));
  });

  test('history is sent on login and pages backwards by id', async () => {
    const sent: number[] = [];
    for (let i = 0; i < 80; i++) sent.push((await alice.send('general', `line ${i}`)).id);
    const later = await harness.client();
    const start = await later.login('bob', PASSWORD);
    const general = start.history.general!;
    assert.equal(general.length, 50);
    assert.equal(general.at(-1)!.id, sent.at(-1));
    assert.ok(general.every((m, i) => i === 0 || general[i - 1]!.id < m.id), 'oldest first');
    const older = await later.history('general', { before: general[0]!.id, limit: 20 });
    assert.equal(older.messages.length, 20);
    assert.equal(older.messages.at(-1)!.id < general[0]!.id, true);
    assert.equal(older.more, true);
    const newer = await later.history('general', { after: sent[75]!, limit: 10 });
    assert.deepEqual(newer.messages.map((m) => m.id), sent.slice(76));
    assert.equal(newer.more, false);
  });
});

describe('durability and reconnection', () => {
  let harness: TestServer;
  before(async () => {
    harness = await startTestServer();
  });
  after(() => harness.cleanup());

  test('a restart keeps accounts and history; the client resumes and fetches what it missed', async () => {
    const alice = await harness.client();
    const bob = await harness.client();
    await alice.register('alice', PASSWORD);
    await bob.register('bob', PASSWORD);
    const before = await alice.send('general', 'before the restart');

    // Bob drops out; alice keeps talking through a server restart.
    bob.close();
    await harness.restart();
    const alice2 = await harness.client();
    const start = await alice2.login('alice', PASSWORD);
    assert.ok(start.history.general!.some((m) => m.id === before.id && m.body === 'before the restart'));
    const whileAway = await alice2.send('general', 'while bob was away');

    // A new connection resumes bob's session by token and catches up.
    const bobAgain = await harness.client();
    const resumed = await bobAgain.resume(bob.sessionToken!);
    assert.equal(resumed.user, 'bob');
    assert.ok(resumed.history.general!.some((m) => m.id === whileAway.id));
  });

  test('automatic reconnect after a dropped connection resumes and reports missed lines', async () => {
    // Carol comes back at once, dave only after 1.5 s: what carol says meanwhile, dave missed.
    const carol = await harness.client({ reconnectDelay: () => 50 });
    const dave = await harness.client({ reconnectDelay: () => 1500 });
    await carol.register('carol', PASSWORD);
    await dave.register('dave', PASSWORD);
    const missed: ChatMessage[] = [];
    const live: ChatMessage[] = [];
    dave.on('message', (message, wasMissed) => (wasMissed ? missed : live).push(message));
    const daveResumed = nextEvent<[unknown, boolean]>(dave, 'session', 20_000);
    await harness.restart();
    await waitFor(() => carol.state === 'connected' && carol.user === 'carol', 'carol to resume', 5000);
    assert.notEqual(dave.state, 'connected', 'dave must still be away for this test to mean anything');
    const line = await carol.send('general', 'did you miss me?');
    const [, automatic] = await daveResumed;
    assert.equal(automatic, true);
    await waitFor(() => missed.some((m) => m.id === line.id), 'the missed line to arrive', 5000);
    assert.equal(live.length, 0);
    assert.equal(missed.filter((m) => m.id === line.id).length, 1, 'delivered once');
  });

  test('a line that arrives live while missed lines are being fetched is shown once', async () => {
    // hana fetches the missed lines of 20 rooms one after another after the restart; ivan, back
    // already, speaks in the last of them as soon as she has resumed: the line reaches her live and
    // is also in that room's page of missed lines.
    const ivan = await harness.client({ reconnectDelay: () => 50 });
    const hana = await harness.client({ reconnectDelay: () => 400 });
    await ivan.register('ivan', PASSWORD);
    await hana.register('hana', PASSWORD);
    const rooms = Array.from({ length: 20 }, (_, i) => `catchup${i}`);
    for (const room of rooms) {
      await hana.join(room);
      await ivan.join(room);
    }
    const last = rooms.at(-1)!;
    const shown: number[] = [];
    hana.on('message', (message) => message.room === last && shown.push(message.id));
    let said: Promise<ChatMessage> | undefined;
    hana.on('session', (_start, automatic) => {
      if (automatic) said = ivan.send(last, 'said during the catch-up');
    });
    await harness.restart();
    await waitFor(() => said !== undefined, 'hana to resume', 10_000);
    const line = await said!;
    await waitFor(() => shown.includes(line.id), 'the line to reach hana', 5000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(shown.filter((id) => id === line.id).length, 1, 'shown once');
  });

  test('a user sending too fast is told to wait, and others are not affected', async () => {
    const fast = await harness.client();
    const other = await harness.client();
    await fast.register('fast', PASSWORD);
    await other.register('other', PASSWORD);
    const results = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => fast.send('general', `flood ${i}`)));
    const limited = results.filter((r) => r.status === 'rejected');
    assert.ok(limited.length >= 4, `expected some of 25 to be refused, ${limited.length} were`);
    for (const r of limited) {
      assert.ok(r.status === 'rejected' && r.reason instanceof RequestError && r.reason.code === 'rate_limited');
      assert.ok((r.reason as RequestError).retryAfterMs! > 0);
    }
    assert.equal((await other.send('general', 'not throttled')).body, 'not throttled');
  });

  test('a stopping server says why and does not report everyone going offline', async () => {
    const frank = await harness.client({ reconnectDelay: () => 50 });
    const grace = await harness.client({ reconnectDelay: () => 50 });
    await frank.register('frank', PASSWORD);
    await grace.register('grace', PASSWORD);
    const offline: string[] = [];
    for (const client of [frank, grace]) {
      client.on('presence', (presence) => presence.event === 'offline' && offline.push(presence.user));
    }
    const bye = nextEvent<[string]>(frank, 'bye');
    await harness.restart();
    assert.match((await bye)[0], /shutting down/);
    await waitFor(() => frank.user === 'frank' && frank.state === 'connected', 'frank to resume');
    assert.deepEqual(offline, []);
  });

  test('logout revokes the token', async () => {
    const erin = await harness.client();
    await erin.register('erin', PASSWORD);
    const token = erin.sessionToken!;
    await erin.logout();
    const other = await harness.client();
    await assert.rejects(other.resume(token), rejectsWith('invalid_token'));
    // The same connection can log in again: switch user.
    const again = await erin.login('erin', PASSWORD);
    assert.equal(again.user, 'erin');
  });
});
