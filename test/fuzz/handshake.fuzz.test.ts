// Properties of the Noise_NX handshake on hostile input, on both sides:
// random, truncated, extended, bit-flipped, replayed and reordered messages
// raise only ChannelError('handshake_failed'), and a state that failed on a
// message refuses everything afterwards (it never splits into keys).
//
// Out-of-turn calls are a different matter: they are refused with
// handshake_failed without consuming anything (test/noise/handshake.test.ts
// relies on that), so they are not counted as "failed on a message".

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChannelError } from '../../src/net/errors.ts';
import { NOISE_PROLOGUE, NOISE_PROTOCOL_NAME } from '../../src/net/limits.ts';
import { HandshakeState, generateKeyPair, type KeyPair } from '../../src/net/noise/index.ts';
import { checkProperty } from './fuzz-run.ts';

const PROLOGUE = new TextEncoder().encode(NOISE_PROLOGUE);
const EMPTY = new Uint8Array(0);
const serverKey: KeyPair = generateKeyPair();

function responder(): HandshakeState {
  return new HandshakeState({ protocolName: NOISE_PROTOCOL_NAME, initiator: false, prologue: PROLOGUE, s: serverKey });
}

function initiator(): HandshakeState {
  return new HandshakeState({ protocolName: NOISE_PROTOCOL_NAME, initiator: true, prologue: PROLOGUE });
}

/** A genuine exchange: message 1 (-> e) and message 2 (<- e, ee, s, es), with payloads. */
function genuine(payload1: Uint8Array, payload2: Uint8Array) {
  const i = initiator();
  const r = responder();
  const message1 = i.writeMessage(payload1);
  r.readMessage(message1);
  const message2 = r.writeMessage(payload2);
  return { i, r, message1, message2 };
}

function isHandshakeFailed(error: unknown): boolean {
  return error instanceof ChannelError && error.code === 'handshake_failed';
}

/** Runs `step`; returns 'ok' or 'failed', and fails the property on any other exception. */
function attempt(step: () => unknown): 'ok' | 'failed' {
  try {
    step();
    return 'ok';
  } catch (error) {
    assert.ok(isHandshakeFailed(error), `expected handshake_failed, got ${String((error as Error)?.stack ?? error)}`);
    return 'failed';
  }
}

/** After a failure on a message, every further use is refused and no keys come out. */
function assertUnusable(state: HandshakeState, genuineNext: Uint8Array): void {
  assert.throws(() => state.readMessage(genuineNext), isHandshakeFailed);
  assert.throws(() => state.writeMessage(EMPTY), isHandshakeFailed);
  assert.throws(() => state.split(), isHandshakeFailed);
  assert.equal(state.isComplete(), false);
}

type Mutation =
  | { kind: 'truncate'; keep: number }
  | { kind: 'extend'; extra: Uint8Array }
  | { kind: 'flip'; bit: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array }
  | { kind: 'random'; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('flip' as const), bit: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 1100 }) }),
);

/** The mutated message, or undefined when the mutation happens to change nothing. */
function mutate(message: Uint8Array, m: Mutation): Uint8Array | undefined {
  let out: Uint8Array;
  switch (m.kind) {
    case 'truncate':
      out = message.subarray(0, m.keep % message.length);
      break;
    case 'extend':
      out = Buffer.concat([message, m.extra]);
      break;
    case 'flip':
      out = Uint8Array.from(message);
      out[(m.bit >> 3) % out.length]! ^= 1 << (m.bit & 7);
      break;
    case 'splice': {
      const at = m.at % message.length;
      out = Buffer.concat([message.subarray(0, at), m.bytes, message.subarray(at + m.bytes.length)]);
      break;
    }
    case 'random':
      out = m.bytes;
      break;
  }
  return Buffer.from(out).equals(Buffer.from(message)) ? undefined : out;
}

const payload = fc.uint8Array({ maxLength: 64 });

test('responder: any bytes as message 1 are read or refused with handshake_failed only', async () => {
  await checkProperty(
    'handshake responder: arbitrary message 1',
    fc.property(fc.uint8Array({ maxLength: 1100 }), payload, (message, reply) => {
      const r = responder();
      const read = attempt(() => r.readMessage(message));
      if (read === 'failed') {
        // Only a message too short to hold an ephemeral key can fail here.
        assert.ok(message.length < 32, `a ${message.length}-byte message 1 was refused`);
        assertUnusable(r, message);
        return;
      }
      // Any 32 bytes are an X25519 key; a low-order one fails in ee, on the write.
      const wrote = attempt(() => r.writeMessage(reply));
      if (wrote === 'failed') assertUnusable(r, message);
      else assert.ok(r.isComplete());
    }),
    { runs: 300, seed: 0x5eed11 },
  );
});

test('responder then initiator: a tampered message 1 never yields a session', async () => {
  await checkProperty(
    'handshake: tampered message 1',
    fc.property(payload, payload, mutation, (payload1, payload2, m) => {
      const i = initiator();
      const r = responder();
      const message1 = i.writeMessage(payload1);
      const tampered = mutate(message1, m);
      fc.pre(tampered !== undefined);
      let message2: Uint8Array | undefined;
      if (attempt(() => r.readMessage(tampered)) === 'failed') return assertUnusable(r, message1);
      if (attempt(() => (message2 = r.writeMessage(payload2))) === 'failed') return assertUnusable(r, message1);
      // The responder completed with what it saw; the initiator's transcript differs, so it must refuse.
      assert.equal(attempt(() => i.readMessage(message2!)), 'failed');
      assertUnusable(i, message2!);
    }),
    { runs: 120, seed: 0x5eed12 },
  );
});

test('initiator: a truncated, extended, bit-flipped or random message 2 fails with handshake_failed', async () => {
  await checkProperty(
    'handshake initiator: tampered message 2',
    fc.property(payload, payload, mutation, (payload1, payload2, m) => {
      const { i, message2 } = genuine(payload1, payload2);
      const tampered = mutate(message2, m);
      fc.pre(tampered !== undefined);
      assert.equal(attempt(() => i.readMessage(tampered)), 'failed');
      assertUnusable(i, message2);
    }),
    { runs: 150, seed: 0x5eed13 },
  );
});

test('initiator: message 2 replayed from another session, or messages out of order, fail', async () => {
  const wrongMessage = fc.constantFrom('other-session', 'message-1-echoed', 'own-message-1', 'concatenated');
  await checkProperty(
    'handshake initiator: replayed and reordered messages',
    fc.property(payload, payload, wrongMessage, (payload1, payload2, which) => {
      const victim = genuine(payload1, payload2);
      const other = genuine(payload1, payload2);
      const message =
        which === 'other-session'
          ? other.message2
          : which === 'message-1-echoed'
            ? other.message1
            : which === 'own-message-1'
              ? victim.message1
              : Buffer.concat([victim.message2, victim.message2]);
      assert.equal(attempt(() => victim.i.readMessage(message)), 'failed');
      assertUnusable(victim.i, victim.message2);
    }),
    { runs: 30, seed: 0x5eed14 },
  );
});

test('responder: a replayed message 1 is refused and the first session stays intact', async () => {
  await checkProperty(
    'handshake responder: replayed message 1',
    fc.property(payload, payload, (payload1, payload2) => {
      const { i, r, message1, message2 } = genuine(payload1, payload2);
      // Replayed to the same state: out of turn (it is complete), refused.
      assert.equal(attempt(() => r.readMessage(message1)), 'failed');
      // The genuine initiator still completes, and both sides agree.
      assert.equal(attempt(() => i.readMessage(message2)), 'ok');
      assert.deepEqual(i.getHandshakeHash(), r.getHandshakeHash());
      // Replayed to a fresh responder: a new session the initiator cannot finish.
      const fresh = responder();
      assert.equal(attempt(() => fresh.readMessage(message1)), 'ok');
      const replayReply = fresh.writeMessage(payload2);
      const late = initiator();
      late.writeMessage(payload1);
      assert.equal(attempt(() => late.readMessage(replayReply)), 'failed');
    }),
    { runs: 20, seed: 0x5eed15 },
  );
});

test('random call sequences on either side raise only handshake_failed', async () => {
  type Op = { op: 'read'; bytes: Uint8Array } | { op: 'readGenuine' } | { op: 'write'; payload: Uint8Array } | { op: 'split' };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('read' as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
    fc.record({ op: fc.constant('readGenuine' as const) }),
    fc.record({ op: fc.constant('write' as const), payload }),
    fc.record({ op: fc.constant('split' as const) }),
  );
  const { message1, message2 } = genuine(EMPTY, EMPTY);
  await checkProperty(
    'handshake: random call sequences',
    fc.property(fc.boolean(), fc.array(op, { maxLength: 8 }), (asInitiator, ops) => {
      const state = asInitiator ? initiator() : responder();
      let failedOnMessage = false;
      for (const step of ops) {
        const inTurn = !state.isComplete() && (step.op === 'write' ? state.isMyTurn() : !state.isMyTurn());
        const outcome = attempt(() => {
          if (step.op === 'read') state.readMessage(step.bytes);
          else if (step.op === 'readGenuine') state.readMessage(asInitiator ? message2 : message1);
          else if (step.op === 'write') state.writeMessage(step.payload);
          else state.split();
        });
        if (failedOnMessage) assert.equal(outcome, 'failed', `a failed state accepted ${step.op}`);
        // An out-of-turn call is refused without consuming anything; a failure in turn poisons the state.
        if (outcome === 'failed' && inTurn && step.op !== 'split') failedOnMessage = true;
      }
      // Whatever happened, a state that completed gives keys that are its own.
      if (state.isComplete()) assert.equal(state.split().length, 2);
    }),
    { runs: 300, seed: 0x5eed16 },
  );
});
