// The encrypted channel over real loopback sockets: handshake, messages of
// every size, and what happens to tampered or oversized input.

import assert from 'node:assert/strict';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { test } from 'node:test';
import { type SecureChannel, clientHandshake, serverHandshake } from '../../src/net/channel.ts';
import { ChannelError } from '../../src/net/errors.ts';
import { generateKeyPair } from '../../src/net/noise/index.ts';

async function pair(maxMessageBytes = 1 << 20): Promise<{ client: SecureChannel; server: SecureChannel; serverKey: Uint8Array; close: () => void }> {
  const staticKey = generateKeyPair();
  let resolveServer!: (channel: SecureChannel) => void;
  const serverChannel = new Promise<SecureChannel>((resolve) => (resolveServer = resolve));
  const listener = createServer((socket) => {
    void serverHandshake(socket, { staticKey, timeoutMs: 5000, maxMessageBytes }).then(resolveServer);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const socket = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let seen: Uint8Array | undefined;
  const { channel } = await clientHandshake(socket, { timeoutMs: 5000, maxMessageBytes, verifyServerKey: (key) => (seen = key) });
  assert.deepEqual(seen, staticKey.publicKey);
  const server = await serverChannel;
  return { client: channel, server, serverKey: staticKey.publicKey, close: () => { socket.destroy(); listener.close(); } };
}

function collect(channel: SecureChannel, count: number): Promise<Buffer[]> {
  const messages: Buffer[] = [];
  return new Promise((resolve) => {
    channel.on('message', (message) => {
      messages.push(message);
      if (messages.length === count) resolve(messages);
    });
  });
}

test('messages of every size cross in both directions, in order', async () => {
  const { client, server, close } = await pair();
  const sizes = [0, 1, 65517, 65518, 65519, 200_000];
  const sent = sizes.map((size, i) => Buffer.alloc(size, i + 1));
  const atServer = collect(server, sent.length);
  sent.forEach((message) => client.send(message));
  assert.deepEqual(await atServer, sent);
  const atClient = collect(client, 2);
  server.send(Buffer.from('one'));
  server.send(Buffer.from('two'));
  assert.deepEqual((await atClient).map(String), ['one', 'two']);
  assert.equal(Buffer.compare(Buffer.from(client.handshakeHash), Buffer.from(server.handshakeHash)), 0);
  close();
});

test('one flipped bit in a transport message fails the channel and closes it', async () => {
  const { client, server, close } = await pair();
  const failure = new Promise<ChannelError>((resolve) => server.once('failure', resolve));
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const [frame] = client.encrypt(Buffer.from('{"type":"ping","id":1}'));
  frame![10]! ^= 0x01;
  client.socket.write(frame!);
  assert.equal((await failure).code, 'decrypt_failed');
  await closed;
  close();
});

test('a message over the receiver limit fails the channel', async () => {
  const { client, server, close } = await pair(1000);
  const failure = new Promise<ChannelError>((resolve) => server.once('failure', resolve));
  client.send(Buffer.alloc(1001));
  assert.equal((await failure).code, 'message_too_large');
  close();
});

test('a pin check that throws stops the handshake before anything else is sent', async () => {
  const staticKey = generateKeyPair();
  const received: Buffer[] = [];
  const listener = createServer((socket) => {
    socket.on('data', (chunk) => received.push(chunk));
    void serverHandshake(socket, { staticKey, timeoutMs: 5000, maxMessageBytes: 1000 }).catch(() => {});
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const socket: Socket = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  await assert.rejects(
    clientHandshake(socket, { timeoutMs: 5000, maxMessageBytes: 1000, verifyServerKey: () => { throw new Error('not the pinned key'); } }),
    /not the pinned key/,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  // Only the first handshake message: 2-byte length + 32-byte ephemeral key, empty payload.
  assert.equal(Buffer.concat(received).length, 34);
  listener.close();
});

test('a silent connection is closed when the handshake times out', async () => {
  const staticKey = generateKeyPair();
  let outcome: Promise<unknown> | undefined;
  const listener = createServer((socket) => {
    outcome = serverHandshake(socket, { staticKey, timeoutMs: 200, maxMessageBytes: 1000 }).catch((error: unknown) => error);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const socket = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await closed;
  const error = await outcome;
  assert.ok(error instanceof ChannelError && error.code === 'timeout');
  listener.close();
});
