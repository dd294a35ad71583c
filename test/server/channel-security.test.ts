// The channel's promises seen from a real server: a tampered message ends
// only the tamperer's connection, and a client that does not recognise the
// server's key stops before it sends anything but the first handshake message.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clientHandshake } from '../../src/net/channel.ts';
import { ChatClient } from '../../src/net/client.ts';
import { ChannelError, ServerKeyMismatchError } from '../../src/net/errors.ts';
import type { ChatMessage } from '../../src/net/schema.ts';
import { type TestServer, nextEvent, startTestServer, tempDir } from '../helpers/harness.ts';

const PASSWORD = 'correct horse battery';

describe('channel security against a real server', () => {
  let harness: TestServer;
  before(async () => {
    harness = await startTestServer();
  });
  after(() => harness.cleanup());

  test('one flipped bit closes only that connection', async () => {
    const alice = await harness.client();
    const bob = await harness.client();
    await alice.register('alice', PASSWORD);
    await bob.register('bob', PASSWORD);

    const socket = connect(harness.server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const { channel } = await clientHandshake(socket, { timeoutMs: 5000, maxMessageBytes: 1 << 20, verifyServerKey: () => {} });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const [frame] = channel.encrypt(Buffer.from(JSON.stringify({ type: 'ping', id: 1 })));
    frame![frame!.length - 1]! ^= 0x01; // inside the authentication tag
    socket.write(frame!);
    await closed;
    assert.ok(harness.logs.some((entry) => entry.event === 'channel_failed' && entry.code === 'decrypt_failed'));

    const received = nextEvent<[ChatMessage]>(bob, 'message');
    await alice.send('general', 'still here');
    assert.equal((await received)[0].body, 'still here');
  });

  test('a changed server key is refused before any password leaves the client', async () => {
    // A proxy between client and server counts every byte the client sends.
    let clientBytes = 0;
    const proxy = createServer((inbound) => {
      const outbound = connect(harness.server.port, '127.0.0.1');
      inbound.on('data', (chunk) => {
        clientBytes += chunk.length;
        outbound.write(chunk);
      });
      outbound.pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
      inbound.on('error', () => {});
      outbound.on('error', () => {});
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as AddressInfo).port;
    const pins = join(tempDir(), 'known_servers.json');
    const wrong = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
    writeFileSync(pins, JSON.stringify({ [`127.0.0.1:${port}`]: { fingerprint: wrong, firstSeen: '2026-01-01' } }));

    const client = new ChatClient({ host: '127.0.0.1', port, knownServersFile: pins, autoReconnect: false });
    client.on('error', () => {});
    const error = await client.connect().catch((e: unknown) => e);
    assert.ok(error instanceof ServerKeyMismatchError, String(error));
    assert.equal(error.expected, wrong);
    assert.equal(error.actual, harness.server.fingerprint);
    assert.match(error.message, /remove the "127\.0\.0\.1:\d+" entry/);
    await assert.rejects(client.login('alice', PASSWORD), /not connected/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(clientBytes, 34, 'only the first handshake message (length + ephemeral key)');
    proxy.close();
  });

  test('first contact asks before trusting: a refusal sends nothing and pins nothing', async () => {
    const pins = join(tempDir(), 'known_servers.json');
    const asked: string[] = [];
    const options = { host: '127.0.0.1', port: harness.server.port, knownServersFile: pins, autoReconnect: false };
    const refusing = new ChatClient({ ...options, confirmNewServerKey: async ({ fingerprint }) => (asked.push(fingerprint), false) });
    const error = await refusing.connect().catch((e: unknown) => e);
    assert.ok(error instanceof ChannelError && error.code === 'server_key_rejected', String(error));
    assert.deepEqual(asked, [harness.server.fingerprint]);
    assert.equal(existsSync(pins), false, 'nothing pinned');
    const trusting = new ChatClient({ ...options, confirmNewServerKey: async () => true });
    assert.deepEqual(await trusting.connect(), { fingerprint: harness.server.fingerprint, firstContact: true });
    assert.match(readFileSync(pins, 'utf8'), new RegExp(harness.server.fingerprint.replace(/[+/]/g, '\\$&')));
    // Pinned now: a later connection is not asked again.
    const later = new ChatClient({ ...options, confirmNewServerKey: async () => assert.fail('asked twice') });
    assert.equal((await later.connect()).firstContact, false);
    trusting.close();
    later.close();
  });

  test('--fingerprint pins a first contact up front', async () => {
    const right = await harness.client({ fingerprint: harness.server.fingerprint });
    assert.equal(right.fingerprint, harness.server.fingerprint);
    const wrong = new ChatClient({
      host: '127.0.0.1',
      port: harness.server.port,
      knownServersFile: join(tempDir(), 'known_servers.json'),
      fingerprint: 'SHA256:AAAA',
      autoReconnect: false,
    });
    await assert.rejects(wrong.connect(), (e: unknown) => e instanceof ServerKeyMismatchError);
  });
});
