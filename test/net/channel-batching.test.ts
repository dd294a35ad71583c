// Write batching in the encrypted channel (bench/README.md, "Profile"):
// messages sent in one turn of the event loop leave in one write, in order;
// an Outbound prepared once is encrypted per peer; destroy() after a send in
// the same turn still hands that send to the socket.

import assert from 'node:assert/strict';
import { type AddressInfo, connect, createServer } from 'node:net';
import { test } from 'node:test';
import { type SecureChannel, clientHandshake, serverHandshake } from '../../src/net/channel.ts';
import { encodeFrame } from '../../src/net/framing.ts';
import { generateKeyPair } from '../../src/net/noise/index.ts';

async function pair(): Promise<{ client: SecureChannel; server: SecureChannel; close: () => void }> {
  const staticKey = generateKeyPair();
  let resolveServer!: (channel: SecureChannel) => void;
  const serverChannel = new Promise<SecureChannel>((resolve) => (resolveServer = resolve));
  const listener = createServer((socket) => {
    void serverHandshake(socket, { staticKey, timeoutMs: 5000, maxMessageBytes: 1 << 20 }).then(resolveServer);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const socket = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const { channel } = await clientHandshake(socket, { timeoutMs: 5000, maxMessageBytes: 1 << 20, verifyServerKey: () => {} });
  const server = await serverChannel;
  return { client: channel, server, close: () => { socket.destroy(); server.destroy(); listener.close(); } };
}

function collect(channel: SecureChannel, count: number): Promise<string[]> {
  const messages: string[] = [];
  return new Promise((resolve) => {
    channel.on('message', (message) => {
      messages.push(message.toString());
      if (messages.length === count) resolve(messages);
    });
  });
}

/** Counts the stream-level writes (one per system call batch) a socket makes. */
function countWrites(channel: SecureChannel): { writes: number } {
  const counter = { writes: 0 };
  const socket = channel.socket as unknown as {
    _write: (...args: unknown[]) => void;
    _writev: (...args: unknown[]) => void;
  };
  const write = socket._write.bind(socket);
  const writev = socket._writev.bind(socket);
  socket._write = (...args) => {
    counter.writes++;
    write(...args);
  };
  socket._writev = (...args) => {
    counter.writes++;
    writev(...args);
  };
  return counter;
}

/** Counts the transport messages a channel receives (frames decrypted). */
function countFrames(channel: SecureChannel): { frames: number } {
  const counter = { frames: 0 };
  const receiver = (channel as unknown as { receiver: { decryptWithAd: (ad: Uint8Array, c: Uint8Array) => Uint8Array } }).receiver;
  const decrypt = receiver.decryptWithAd.bind(receiver);
  receiver.decryptWithAd = (ad, ciphertext) => {
    counter.frames++;
    return decrypt(ad, ciphertext);
  };
  return counter;
}

test('100 messages sent in one turn of the event loop arrive in order, as one transport message and one write', async () => {
  const { client, server, close } = await pair();
  const counter = countWrites(server);
  const frames = countFrames(client);
  const received = collect(client, 100);
  const sent = Array.from({ length: 100 }, (_, i) => `message ${i}`);
  for (const text of sent) server.send(Buffer.from(text));
  assert.equal(counter.writes, 0, 'nothing is written before the turn ends');
  assert.ok(server.outboundBytes > 0, 'queued bytes count towards the outbound buffer (slow-consumer cap)');
  assert.deepEqual(await received, sent);
  assert.equal(counter.writes, 1);
  assert.equal(frames.frames, 1, 'one AEAD call for the whole turn');
  close();
});

test('a turn with more than one Noise message holds is split into several, in order, big messages fragmented', async () => {
  const { client, server, close } = await pair();
  const frames = countFrames(client);
  const sent = [
    ...Array.from({ length: 50 }, (_, i) => `${i}`.padEnd(3000, '.')), // 150,000 bytes: three batches
    'x'.repeat(70_000), // too long to share a Noise message: alone, in two fragments
    'after',
  ];
  const received = collect(client, sent.length);
  for (const text of sent) server.send(Buffer.from(text));
  assert.deepEqual(await received, sent);
  assert.equal(frames.frames, 3 + 2 + 1);
  close();
});

test('sends in later turns are not held back for batching', async () => {
  const { client, server, close } = await pair();
  const received: string[] = [];
  client.on('message', (message) => received.push(message.toString()));
  server.send(Buffer.from('first'));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(received, ['first']);
  close();
});

for (const [name, plaintext] of [
  ['a length past the end', Buffer.from([2, 0, 5, 0x61, 0x62])],
  ['a dangling length byte', Buffer.from([2, 0, 1, 0x61, 0])],
  ['no entries', Buffer.from([2])],
  ['an unknown flag', Buffer.from([3, 0x61])],
] as const) {
  test(`a batch with ${name} delivers nothing and ends the connection`, async () => {
    const { client, server, close } = await pair();
    const delivered: string[] = [];
    server.on('message', (message) => delivered.push(message.toString()));
    const failure = new Promise<Error>((resolve) => server.once('failure', resolve));
    const sender = (client as unknown as { sender: { encryptWithAd: (ad: Uint8Array, p: Uint8Array) => Uint8Array } }).sender;
    client.socket.write(encodeFrame(sender.encryptWithAd(new Uint8Array(0), plaintext)));
    const error = await failure;
    assert.match(error.message, /batch|flag/);
    assert.deepEqual(delivered, []);
    close();
  });
}

test('one encoded message goes to several peers, each encrypting it under its own keys', async () => {
  const peers = await Promise.all([pair(), pair(), pair()]);
  const prepared = Buffer.from('{"type":"message","for":"everyone"}');
  const big = Buffer.alloc(150_000, 7); // three Noise messages
  const received = peers.map(({ client }) => collect(client, 2));
  for (const { server } of peers) {
    server.send(prepared);
    server.send(big);
  }
  for (const messages of await Promise.all(received)) {
    assert.equal(messages[0], '{"type":"message","for":"everyone"}');
    assert.equal(messages[1], Buffer.alloc(150_000, 7).toString());
  }
  peers.forEach(({ close }) => close());
});

test('destroy() in the same turn as a send still hands the send to the socket', async () => {
  const { client, server, close } = await pair();
  const received = collect(server, 1);
  client.send(Buffer.from('last words'));
  client.destroy();
  assert.deepEqual(await received, ['last words']);
  close();
});

test('nothing is encrypted for a peer that has hung up', async () => {
  const { client, server, close } = await pair();
  const ended = new Promise((resolve) => server.socket.once('end', resolve));
  client.socket.end();
  await ended;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(server.send(Buffer.from('too late')), false);
  close();
});
