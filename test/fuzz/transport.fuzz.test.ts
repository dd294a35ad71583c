// Properties of Noise transport messages (src/net/noise/cipher-state.ts and
// the SecureChannel of src/net/channel.ts): of a stream of genuine
// ciphertexts that an attacker bit-flips, truncates, replays, reorders or
// replaces, exactly the genuine next message decrypts, everything else fails
// with ChannelError('decrypt_failed') and nothing else, and a failure leaves
// the receiving CipherState where it was (Noise spec §5.1).
//
// Over a real socket the channel is stricter: the first failure ends it,
// after every genuine message before it was delivered intact.

import assert from 'node:assert/strict';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { type SecureChannel, clientHandshake, serverHandshake } from '../../src/net/channel.ts';
import { ChannelError } from '../../src/net/errors.ts';
import { NOISE_PROLOGUE, NOISE_PROTOCOL_NAME } from '../../src/net/limits.ts';
import { type CipherState, HandshakeState, generateKeyPair } from '../../src/net/noise/index.ts';
import { checkProperty } from './fuzz-run.ts';

const AD = new Uint8Array(0);
const PROLOGUE = new TextEncoder().encode(NOISE_PROLOGUE);
const staticKey = generateKeyPair();

/** A fresh initiator → responder CipherState pair from a real NX handshake. */
function transportPair(): { send: CipherState; receive: CipherState } {
  const i = new HandshakeState({ protocolName: NOISE_PROTOCOL_NAME, initiator: true, prologue: PROLOGUE });
  const r = new HandshakeState({ protocolName: NOISE_PROTOCOL_NAME, initiator: false, prologue: PROLOGUE, s: staticKey });
  r.readMessage(i.writeMessage(AD));
  i.readMessage(r.writeMessage(AD));
  return { send: i.split()[0], receive: r.split()[0] };
}

/** What the attacker delivers at each step, built from the genuine ciphertexts. */
type Delivery =
  | { kind: 'next' }
  | { kind: 'flip'; bit: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'extend'; extra: Uint8Array }
  | { kind: 'replay'; back: number }
  | { kind: 'ahead'; skip: number }
  | { kind: 'random'; bytes: Uint8Array };

const delivery: fc.Arbitrary<Delivery> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('next' as const) }) },
  fc.record({ kind: fc.constant('flip' as const), bit: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ kind: fc.constant('replay' as const), back: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('ahead' as const), skip: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 128 }) }),
);

/** The bytes to deliver when the receiver expects genuine message `n`; `genuine` says whether they are it. */
function attack(d: Delivery, frames: Uint8Array[], n: number): { bytes: Uint8Array; genuine: boolean } | undefined {
  const next = frames[n];
  switch (d.kind) {
    case 'next':
      return next && { bytes: next, genuine: true };
    case 'flip': {
      if (!next) return undefined;
      const bytes = Uint8Array.from(next);
      bytes[(d.bit >> 3) % bytes.length]! ^= 1 << (d.bit & 7);
      return { bytes, genuine: false };
    }
    case 'truncate':
      return next && { bytes: next.subarray(0, d.keep % next.length), genuine: false };
    case 'extend':
      return next && { bytes: Buffer.concat([next, d.extra]), genuine: false };
    case 'replay':
      return n - d.back >= 0 ? { bytes: frames[n - d.back]!, genuine: false } : undefined;
    case 'ahead':
      return frames[n + d.skip] && { bytes: frames[n + d.skip]!, genuine: false };
    case 'random':
      return { bytes: d.bytes, genuine: false };
  }
}

test('CipherState: only the genuine next ciphertext decrypts; anything else is decrypt_failed and changes nothing', async () => {
  await checkProperty(
    'transport: CipherState under tampering',
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 12 }),
      fc.array(delivery, { maxLength: 40 }),
      (plaintexts, deliveries) => {
        const { send, receive } = transportPair();
        const frames = plaintexts.map((p) => send.encryptWithAd(AD, p));
        let n = 0;
        for (const d of deliveries) {
          const delivered = attack(d, frames, n);
          if (!delivered) continue;
          const nonceBefore = receive.getNonce();
          try {
            const plaintext = receive.decryptWithAd(AD, delivered.bytes);
            assert.ok(delivered.genuine, `a ${d.kind} ciphertext decrypted`);
            assert.deepEqual(plaintext, plaintexts[n]);
            n++;
          } catch (error) {
            assert.ok(error instanceof ChannelError && error.code === 'decrypt_failed', `unexpected ${String(error)}`);
            assert.ok(!delivered.genuine, 'the genuine next ciphertext failed');
            assert.equal(receive.getNonce(), nonceBefore);
          }
        }
      },
    ),
    { runs: 120, seed: 0x5eed21 },
  );
});

// ------------------------------------------------------------ over a socket

let listener: Server;
let accepted: ((socket: Socket) => void) | undefined;

before(async () => {
  listener = createServer((socket) => accepted?.(socket));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
});
after(() => listener.close());

async function channelPair(): Promise<{ client: SecureChannel; server: SecureChannel }> {
  const serverSide = new Promise<SecureChannel>((resolve, reject) => {
    accepted = (socket) =>
      void serverHandshake(socket, { staticKey, timeoutMs: 5000, maxMessageBytes: 1 << 16 }).then(resolve, reject);
  });
  const socket = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const { channel } = await clientHandshake(socket, { timeoutMs: 5000, maxMessageBytes: 1 << 16, verifyServerKey: () => {} });
  return { client: channel, server: await serverSide };
}

test('SecureChannel: genuine messages before a tampered one arrive intact, then the channel fails with decrypt_failed and closes', async () => {
  await checkProperty(
    'transport: SecureChannel over a socket under tampering',
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 6 }),
      fc.array(delivery, { minLength: 1, maxLength: 10 }),
      async (plaintexts, deliveries) => {
        const { client, server } = await channelPair();
        try {
          const frames = plaintexts.map((p) => client.encrypt(p)[0]!.subarray(2));
          const received: Buffer[] = [];
          const failures: ChannelError[] = [];
          server.on('message', (message) => received.push(message));
          server.on('failure', (error) => failures.push(error));
          const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
          let n = 0;
          let tampered = false;
          const wire: Uint8Array[] = [];
          for (const d of deliveries) {
            const delivered = attack(d, frames, n);
            if (!delivered) continue;
            // Framed as the sender would; a truncated or extended body keeps a consistent length.
            const header = Buffer.from([delivered.bytes.length >> 8, delivered.bytes.length & 0xff]);
            wire.push(header, delivered.bytes);
            if (!delivered.genuine) {
              tampered = true;
              break;
            }
            n++;
          }
          client.socket.write(Buffer.concat(wire));
          if (tampered) {
            await closed;
            assert.equal(failures.length, 1);
            assert.ok(['decrypt_failed'].includes(failures[0]!.code), failures[0]!.code);
          } else {
            const deadline = Date.now() + 5000;
            while (received.length < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
            assert.equal(failures.length, 0);
          }
          assert.equal(received.length, n);
          received.forEach((message, k) => assert.ok(message.equals(Buffer.from(plaintexts[k]!).subarray(0)), `message ${k}`));
        } finally {
          client.destroy();
          server.destroy();
        }
      },
    ),
    { runs: 60, seed: 0x5eed22 },
  );
});
