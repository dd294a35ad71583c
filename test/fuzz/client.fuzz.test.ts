// The client library (src/net/client.ts) against a server that answers its
// requests with anything at all: valid, near-valid and arbitrary server
// messages, with the request's id or another. Every request settles with its
// result or a typed error (RequestError, ProtocolError, ChannelError), every
// 'error' event carries one, and nothing else is ever thrown. (The real
// server is authenticated by its pinned key; this is the "a bug there cannot
// crash a client" promise of decodeServerMessage, kept end to end.)

import assert from 'node:assert/strict';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type SecureChannel, serverHandshake } from '../../src/net/channel.ts';
import { ChatClient } from '../../src/net/client.ts';
import { ChannelError, ProtocolError, RequestError } from '../../src/net/errors.ts';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../src/net/limits.ts';
import { generateKeyPair } from '../../src/net/noise/index.ts';
import { ERROR_CODES } from '../../src/net/schema.ts';
import { tempDir } from '../helpers/harness.ts';
import { checkProperty } from './fuzz-run.ts';
import { type JsonTree, arr, bool, jsonTree, nearValid, num, obj, serialise, str } from './json-arbitraries.ts';

const REQUESTS = ['register', 'login', 'resume', 'logout', 'send', 'join', 'leave', 'rooms', 'users', 'history', 'ping'] as const;
type RequestName = (typeof REQUESTS)[number];

function call(client: ChatClient, request: RequestName): Promise<unknown> {
  switch (request) {
    case 'register':
      return client.register('alice', 'correct horse battery');
    case 'login':
      return client.login('alice', 'correct horse battery');
    case 'resume':
      return client.resume('token');
    case 'logout':
      return client.logout();
    case 'send':
      return client.send('general', 'hello');
    case 'join':
      return client.join('general');
    case 'leave':
      return client.leave('general');
    case 'rooms':
      return client.rooms();
    case 'users':
      return client.users();
    case 'history':
      return client.history('general', { limit: 5 });
    case 'ping':
      return client.request('ping', {});
  }
}

const isTyped = (error: unknown): boolean =>
  error instanceof RequestError || error instanceof ProtocolError || error instanceof ChannelError;

// -------------------------------------------------- what the server answers

const id = fc.nat(1000).map(num);
const s = (max = 12) => fc.string({ maxLength: max }).map(str);
const chatMessage = fc.record({ id, room: s(), from: s(), body: s(30), ts: id }).map(obj);
const roomInfo = fc.record({ name: s(), members: id, joined: fc.boolean().map(bool) }).map(obj);
const list = <T extends JsonTree>(a: fc.Arbitrary<T>) => fc.array(a, { maxLength: 2 }).map((v) => arr(...v));
const sessionStart = fc
  .record({ user: s(), token: s(), expiresAt: id, rooms: list(roomInfo), online: list(s()), history: fc.dictionary(fc.string({ maxLength: 8 }), list(chatMessage), { maxKeys: 2 }).map(obj) })
  .map(obj);
const RESULTS: Record<RequestName, fc.Arbitrary<JsonTree>> = {
  register: sessionStart,
  login: sessionStart,
  resume: sessionStart,
  logout: fc.constant(obj({})),
  send: chatMessage.map((message) => obj({ message })),
  join: fc.record({ room: roomInfo, history: list(chatMessage) }).map(obj),
  leave: s().map((room) => obj({ room })),
  rooms: list(roomInfo).map((rooms) => obj({ rooms })),
  users: list(s()).map((online) => obj({ online })),
  history: fc.record({ room: s(), messages: list(chatMessage), more: fc.boolean().map(bool) }).map(obj),
  ping: id.map((ts) => obj({ ts })),
};

/** A reply template: `ID` is replaced by the request's id when `sameId` holds. */
const reply: fc.Arbitrary<JsonTree> = fc.oneof(
  fc.constantFrom(...REQUESTS).chain((forType) =>
    fc.record({ type: fc.constant(str('result')), id, for: fc.constant(str(forType)), result: RESULTS[forType] }).map(obj),
  ),
  fc.record({ type: fc.constant(str('error')), id, code: fc.constantFrom(...ERROR_CODES).map(str), message: s(40) }).map(obj),
  chatMessage.map((message) => obj({ type: str('message'), message })),
  fc.record({ type: fc.constant(str('notice')), room: s(), event: fc.constantFrom('join', 'leave').map(str), user: s(), ts: id }).map(obj),
  fc.record({ type: fc.constant(str('presence')), event: fc.constantFrom('online', 'offline').map(str), user: s(), ts: id }).map(obj),
);

function withId(tree: JsonTree, requestId: number, sameId: boolean): JsonTree {
  if (tree.t !== 'obj' || !sameId) return tree;
  return { t: 'obj', v: tree.v.map(([k, v]): [string, JsonTree] => [k, k === 'id' ? num(requestId) : v]) };
}

// ---------------------------------------------------------- the fake server

describe('the client library against a server that says anything', () => {
  let listener: Server;
  let client: ChatClient;
  let serverChannel: SecureChannel | undefined;
  /** What the fake server answers to the next request. */
  let answer: (requestId: number) => Buffer[] = () => [];
  const events: unknown[] = [];

  before(async () => {
    const staticKey = generateKeyPair();
    listener = createServer((socket) => {
      void serverHandshake(socket, { staticKey, timeoutMs: 5000, maxMessageBytes: MAX_CLIENT_MESSAGE_BYTES }).then((channel) => {
        serverChannel = channel;
        channel.on('message', (bytes) => {
          const { id: requestId } = JSON.parse(bytes.toString('utf8')) as { id: number };
          for (const message of answer(requestId)) channel.send(message);
          // Whatever came before, the request is then refused properly, so that it always settles.
          channel.send(Buffer.from(JSON.stringify({ type: 'error', id: requestId, code: 'internal', message: 'fallback' })));
        });
      }, () => {});
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    client = new ChatClient({
      host: '127.0.0.1',
      port: (listener.address() as AddressInfo).port,
      knownServersFile: `${tempDir('securechat-fuzz-client-')}/known_servers.json`,
      autoReconnect: false,
      requestTimeoutMs: 2000,
    });
    client.on('error', (error) => events.push(error));
    await client.connect();
  });

  after(() => {
    client.close();
    serverChannel?.destroy();
    listener.close();
  });

  test('every request settles with a result or a typed error, whatever the server answers', async () => {
    await checkProperty(
      'client: requests against arbitrary server answers',
      fc.asyncProperty(
        fc.constantFrom(...REQUESTS),
        fc.array(
          fc.record({ tree: fc.oneof({ weight: 3, arbitrary: nearValid(reply) }, jsonTree), sameId: fc.boolean() }),
          { maxLength: 3 },
        ),
        async (request, answers) => {
          events.length = 0;
          answer = (requestId) => answers.map(({ tree, sameId }) => Buffer.from(serialise(withId(tree, requestId, sameId))));
          const outcome = await call(client, request).then(
            () => 'ok',
            (error: unknown) => error,
          );
          if (outcome !== 'ok') assert.ok(isTyped(outcome), `${request} rejected with ${String((outcome as Error)?.stack ?? outcome)}`);
          for (const event of events) assert.ok(isTyped(event), `an 'error' event carried ${String((event as Error)?.stack ?? event)}`);
          assert.equal(client.state, 'connected');
        },
      ),
      { runs: 400, seed: 0x5eed51 },
    );
  });

  // Regression (found by the property above): a result for another request
  // type was handed to the pending request as its own, and a login reading a
  // ping's result failed with a TypeError deep in the client.
  test('regression: a result for another request type is refused with a ProtocolError', async () => {
    answer = (requestId) => [Buffer.from(JSON.stringify({ type: 'result', id: requestId, for: 'ping', result: { ts: 1 } }))];
    await assert.rejects(client.login('alice', 'correct horse battery'), (error: unknown) => error instanceof ProtocolError);
    await assert.rejects(client.users(), (error: unknown) => error instanceof ProtocolError);
  });
});

describe('the client library against a server that answers the handshake with garbage', () => {
  let listener: Server;
  let bytesToSend: Uint8Array = new Uint8Array(0);
  let hangUp = false;

  before(async () => {
    listener = createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => {
        socket.write(bytesToSend);
        if (hangUp) socket.end();
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });
  after(() => listener.close());

  test('connect fails with a ChannelError, and only that, whatever comes back', async () => {
    const frameOf = (body: Uint8Array) => Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
    const answer = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }).map(frameOf),
      fc.uint8Array({ minLength: 96, maxLength: 140 }).map(frameOf), // the size of a real message 2
      fc.uint8Array({ minLength: 1025, maxLength: 1100 }).map(frameOf),
    );
    await checkProperty(
      'client: handshake answered with garbage',
      fc.asyncProperty(answer, fc.boolean(), async (bytes, end) => {
        bytesToSend = bytes;
        hangUp = end;
        const client = new ChatClient({
          host: '127.0.0.1',
          port: (listener.address() as AddressInfo).port,
          knownServersFile: `${tempDir('securechat-fuzz-client-')}/known_servers.json`,
          autoReconnect: false,
          handshakeTimeoutMs: 150,
        });
        client.on('error', () => {});
        const error = await client.connect().then(
          () => undefined,
          (e: unknown) => e,
        );
        client.close();
        assert.ok(error instanceof ChannelError, `connect gave ${String((error as Error)?.stack ?? error)}`);
        assert.ok(['handshake_failed', 'frame_too_large', 'timeout', 'closed'].includes(error.code), error.code);
      }),
      { runs: 60, seed: 0x5eed52 },
    );
  });
});
