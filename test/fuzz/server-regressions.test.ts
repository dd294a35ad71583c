// Faults the server-level fuzz (server.fuzz.test.ts) found, kept as plain
// cases: each input that once went wrong, and what must happen instead.

import { liveTimers, sleep } from './timers.ts'; // first: it wraps setTimeout for everything below
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../src/net/limits.ts';
import { type TestServer, startTestServer, waitFor } from '../helpers/harness.ts';
import { RawClient, closedWithin } from './raw-client.ts';

describe('server regressions from fuzzing', () => {
  let harness: TestServer;

  before(async () => {
    harness = await startTestServer({ handshakeRate: { burst: 1e6, perSecond: 1e6 } });
  });
  after(() => harness.cleanup());

  /** A fresh connection, one ping answered (the session works), then `attack` on its socket. */
  async function attacked(attack: (client: RawClient) => void): Promise<{ client: RawClient; closed: boolean }> {
    const client = await RawClient.connect(harness.server.port);
    assert.equal((await client.request({ type: 'ping' })).type, 'result');
    attack(client);
    const closed = await closedWithin(client.socket, 5000);
    return { client, closed };
  }

  const frame = (text: string, client: RawClient) => client.channel.encrypt(Buffer.from(text))[0]!;

  // Found: a transport failure (decrypt_failed, message_too_large) closed the
  // connection without a word, because the failed channel refused to send
  // the bye. Fixed in 52e6cea (src/net/channel.ts: only receiving fails).
  const failures: Array<[string, (client: RawClient) => void, RegExp]> = [
    ['reordered ciphertexts', (c) => { const first = frame('{"type":"ping","id":7}', c); const second = frame('{"type":"ping","id":8}', c); c.socket.write(second); c.socket.write(first); }, /failed authentication/],
    ['a replayed ciphertext', (c) => { const f = frame('{"type":"ping","id":7}', c); c.socket.write(f); c.socket.write(f); }, /failed authentication/],
    ['a bit-flipped ciphertext', (c) => { const f = frame('{"type":"ping","id":7}', c); f[9]! ^= 0x10; c.socket.write(f); }, /failed authentication/],
    ['a frame of garbage', (c) => c.socket.write(Buffer.from([0, 5, 1, 2, 3, 4, 5])), /failed authentication/],
    ['a message over the limit', (c) => c.sendBytes(Buffer.alloc(MAX_CLIENT_MESSAGE_BYTES + 1, 0x20)), /exceeds/],
  ];
  for (const [name, attack, reason] of failures) {
    test(`regression: after ${name}, a bye with the reason, then the close`, async () => {
      const { client, closed } = await attacked(attack);
      assert.ok(closed, 'the server did not close the connection');
      const bye = client.bye();
      assert.ok(bye, 'no bye');
      assert.match(bye, reason);
    });
  }

  // Found by the BLNS usernames: a well-formed request with a field over its
  // parsing bound (a 300-character username) closed the connection.
  test('regression: an over-long username, token or room is refused with its code, and the connection stays', async () => {
    const client = await RawClient.connect(harness.server.port);
    const long = 'x'.repeat(300);
    const answers = [
      await client.request({ type: 'register', username: long, password: 'correct horse battery' }),
      await client.request({ type: 'login', username: long, password: 'correct horse battery' }),
      await client.request({ type: 'resume', token: long }),
      await client.request({ type: 'join', room: long }),
    ];
    assert.deepEqual(
      answers.map((m) => m.type === 'error' && m.code),
      ['invalid_username', 'invalid_credentials', 'invalid_token', 'invalid_room'],
    );
    assert.equal((await client.request({ type: 'ping' })).type, 'result');
    assert.equal(client.bye(), undefined);
    client.destroy();
  });

  // Found: every closed bad connection left its grace-period timers (1 s in
  // the channel, 2 s in Connection) running, holding the connection in memory.
  test('regression: a connection closed for a bad ciphertext leaves no timer behind', async () => {
    const baseline = harness.server.stats().connections;
    await waitFor(() => liveTimers.size === 0, 'timers of the set-up to end', 5000).catch(() => {});
    const before = liveTimers.size;
    const { closed } = await attacked((c) => c.socket.write(Buffer.from([0, 5, 1, 2, 3, 4, 5])));
    assert.ok(closed);
    await waitFor(() => harness.server.stats().connections === baseline, 'the connection to be gone', 5000);
    await sleep(20);
    assert.equal(liveTimers.size, before, 'a timer outlived the closed connection');
  });
});
