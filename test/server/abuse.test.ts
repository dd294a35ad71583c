// Abusive and broken clients against a real server: silent and slow
// connections, floods of connections, logins and messages, a client that
// stops reading, and clients that hang up at every byte of a registration.

import assert from 'node:assert/strict';
import { type Socket, connect } from 'node:net';
import { describe, test } from 'node:test';
import { clientHandshake } from '../../src/net/channel.ts';
import { RequestError } from '../../src/net/errors.ts';
import { encodeFrame } from '../../src/net/framing.ts';
import { MAX_BODY_BYTES } from '../../src/net/limits.ts';
import type { ChatMessage } from '../../src/net/schema.ts';
import { type TestServer, nextEvent, startTestServer, waitFor } from '../helpers/harness.ts';

const PASSWORD = 'correct horse battery';

function rawSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function withServer(options: Parameters<typeof startTestServer>[0], body: (harness: TestServer) => Promise<void>): Promise<void> {
  const harness = await startTestServer(options);
  try {
    await body(harness);
  } finally {
    await harness.cleanup();
  }
}

describe('slow and silent connections', () => {
  test('a connection that sends nothing, or a handshake byte by byte, is closed at the handshake deadline', () =>
    withServer({ handshakeTimeoutMs: 400 }, async (harness) => {
      const silent = await rawSocket(harness.server.port);
      const dribbler = await rawSocket(harness.server.port);
      // A plausible first message (length 32), one byte every 100 ms.
      const handshakeStart = encodeFrame(Buffer.alloc(32, 1));
      let sentBytes = 0;
      const dribble = setInterval(() => dribbler.writable && dribbler.write(handshakeStart.subarray(sentBytes, ++sentBytes)), 100);
      const alice = await harness.client();
      await alice.register('alice', PASSWORD);
      assert.equal(await closedWithin(silent, 3000), true);
      assert.equal(await closedWithin(dribbler, 3000), true);
      clearInterval(dribble);
      assert.equal((await alice.send('general', 'unaffected')).body, 'unaffected');
      assert.equal(harness.logs.filter((e) => e.event === 'handshake_failed' && e.code === 'timeout').length, 2);
    }));

  test('a connection that completes the handshake but never logs in is told why and closed', () =>
    withServer({ loginTimeoutMs: 300 }, async (harness) => {
      const idle = await harness.client({ autoReconnect: false });
      const [reason] = await nextEvent<[string]>(idle, 'bye', 3000);
      assert.match(reason, /no login within/);
    }));
});

describe('floods', () => {
  test('open connections per address are capped; other addresses still get in', () =>
    withServer({ maxConnectionsPerAddress: 3 }, async (harness) => {
      const held = await Promise.all([1, 2, 3].map(() => harness.client({ localAddress: '127.0.0.1' })));
      const extra = await rawSocket(harness.server.port, '127.0.0.1');
      assert.equal(await closedWithin(extra, 2000), true);
      const elsewhere = await harness.client({ localAddress: '127.0.0.2' });
      await elsewhere.register('elsewhere', PASSWORD);
      held.forEach((client) => client.close());
      // Slots are given back when connections end.
      await waitFor(() => harness.server.stats().connections === 1, 'the held connections to end');
      const again = await harness.client({ localAddress: '127.0.0.1' });
      assert.equal(again.state, 'connected');
    }));

  test('new connections per address are rate limited', () =>
    withServer({ handshakeRate: { burst: 5, perSecond: 1 } }, async (harness) => {
      const sockets = await Promise.all(Array.from({ length: 10 }, () => rawSocket(harness.server.port, '127.0.0.3')));
      const closed = await Promise.all(sockets.map((socket) => closedWithin(socket, 500)));
      assert.equal(closed.filter(Boolean).length, 5);
      sockets.forEach((socket) => socket.destroy());
      const other = await harness.client({ localAddress: '127.0.0.4' });
      assert.equal(other.state, 'connected');
    }));

  test('failed logins are throttled for the attacker, not for the real user at a known address', () =>
    withServer({}, async (harness) => {
      const owner = await harness.client({ localAddress: '127.0.0.1' });
      await owner.register('victim', PASSWORD);
      await owner.logout();
      await owner.login('victim', PASSWORD); // 127.0.0.1 is now a known-good address for victim
      await owner.logout();
      const attacker = await harness.client({ localAddress: '127.0.0.5' });
      const codes: string[] = [];
      for (let i = 0; i < 8; i++) {
        const error = await attacker.login('victim', `guess number ${i}`).catch((e: unknown) => e);
        assert.ok(error instanceof RequestError);
        codes.push(error.code);
      }
      assert.deepEqual(codes.slice(0, 5), Array(5).fill('invalid_credentials'));
      assert.ok(codes.slice(5).every((code) => code === 'throttled'), codes.join());
      // Even the right password is refused from the attacker's address while throttled.
      const throttled = await attacker.login('victim', PASSWORD).catch((e: unknown) => e);
      assert.ok(throttled instanceof RequestError && throttled.code === 'throttled' && throttled.retryAfterMs! > 0);
      assert.equal((await owner.login('victim', PASSWORD)).user, 'victim');
    }));

  test('a client that stops reading is dropped with a reason; the others keep receiving', () =>
    withServer({ messageRate: { burst: 10_000, perSecond: 10_000 } }, async (harness) => {
      const talker = await harness.client();
      const reader = await harness.client();
      await talker.register('talker', PASSWORD);
      await reader.register('reader', PASSWORD);

      // The stuck client logs in over a raw channel, then never reads again.
      const socket = await rawSocket(harness.server.port);
      const { channel } = await clientHandshake(socket, { timeoutMs: 5000, maxMessageBytes: 1 << 24, verifyServerKey: () => {} });
      const loggedIn = nextEvent<[Buffer]>(channel, 'message');
      channel.send(Buffer.from(JSON.stringify({ type: 'login', id: 1, username: 'reader', password: PASSWORD })));
      await loggedIn;
      socket.pause();

      let received = 0;
      reader.on('message', () => received++);
      const body = 'x'.repeat(MAX_BODY_BYTES);
      // 3,000 × 8 KiB ≈ 24 MiB: more than the 4 MiB cap plus what the kernel's socket buffers hold.
      const count = 3000;
      for (let i = 0; i < count; i += 100) {
        await Promise.all(Array.from({ length: 100 }, () => talker.send('general', body)));
      }
      await waitFor(() => harness.logs.some((e) => e.event === 'slow_consumer_dropped'), 'the stuck client to be dropped');
      await waitFor(() => received === count, `the reader to get all ${count} lines (has ${received})`, 20_000);
      // The server lets go of the stuck socket (the paused client itself notices nothing until it reads).
      await waitFor(() => harness.server.stats().connections === 2, 'the server to let go of the stuck socket', 5000);
      socket.destroy();
    }));
});

describe('hanging up mid-registration', () => {
  test('a client that disconnects after any byte leaves no half account, no ghost, no open connection', () =>
    withServer({ handshakeRate: { burst: 10_000, perSecond: 10_000 } }, async (harness) => {
      const request = Buffer.from(JSON.stringify({ type: 'register', id: 1, username: 'ghost', password: PASSWORD }));
      const handshakeBytes = 34;
      let requestFrameBytes = 0;
      for (let cut = 1; ; cut++) {
        const socket = await rawSocket(harness.server.port);
        socket.on('error', () => {});
        if (cut <= handshakeBytes) {
          // The first handshake message is 2 bytes of length and a 32-byte key; any bytes will do for a cut.
          socket.write(encodeFrame(Buffer.alloc(32, 9)).subarray(0, cut));
        } else {
          const { channel } = await clientHandshake(socket, { timeoutMs: 5000, maxMessageBytes: 1 << 20, verifyServerKey: () => {} });
          const frame = Buffer.concat(channel.encrypt(request));
          requestFrameBytes = frame.length;
          socket.write(frame.subarray(0, cut - handshakeBytes));
        }
        socket.destroy();
        if (requestFrameBytes > 0 && cut - handshakeBytes >= requestFrameBytes) break;
      }
      await waitFor(() => harness.server.stats().connections === 0, 'every cut connection to be gone');
      assert.equal(harness.server.stats().online, 0, 'nobody is online');
      // The one complete request may have registered the account: then it is whole and usable.
      const checker = await harness.client();
      await checker.register('checker', PASSWORD);
      assert.deepEqual(await checker.users(), ['checker'], 'no ghost online');
      const ghost = await harness.client();
      const outcome = await ghost.login('ghost', PASSWORD).catch((e: unknown) => e);
      if (outcome instanceof RequestError) assert.equal(outcome.code, 'invalid_credentials');
      else assert.equal((outcome as { user: string }).user, 'ghost');
    }));
});

describe('messages from the same account in several places', () => {
  test('every window of a user sees lines from the others; logging out of one keeps the rest', () =>
    withServer({}, async (harness) => {
      const first = await harness.client();
      await first.register('multi', PASSWORD);
      const second = await harness.client();
      await second.login('multi', PASSWORD);
      const third = await harness.client();
      await third.login('multi', PASSWORD);
      const inSecond = nextEvent<[ChatMessage]>(second, 'message');
      const inThird = nextEvent<[ChatMessage]>(third, 'message');
      const sent = await first.send('general', 'from the first window');
      assert.equal((await inSecond)[0].id, sent.id);
      assert.equal((await inThird)[0].id, sent.id);
      await second.logout();
      assert.deepEqual(await first.users(), ['multi']);
      const stillThird = nextEvent<[ChatMessage]>(third, 'message');
      await first.send('general', 'after one logout');
      assert.equal((await stillThird)[0].body, 'after one logout');
    }));
});
