// Known-answer tests: the cacophony vectors for Curve25519 base patterns.
// Every vector whose protocol parseProtocolName accepts must pass; the
// others are reported as skipped, by name, with the reason.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import {
  HandshakeState,
  keyPairFromPrivate,
  parseProtocolName,
  UnsupportedProtocolError,
  type CipherState,
} from '../../src/net/noise/index.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VECTORS_PATH = resolve(
  REPO_ROOT,
  process.env.SECURECHAT_NOISE_VECTORS ?? '../shared/vectors/noise/cacophony-25519.json',
);

/** Protocols the design requires (DESIGN.md, wire protocol §5). */
const REQUIRED = [
  'Noise_NX_25519_ChaChaPoly_SHA256',
  'Noise_NX_25519_ChaChaPoly_SHA512',
  'Noise_NX_25519_AESGCM_SHA256',
  'Noise_NX_25519_AESGCM_SHA512',
];

interface Message {
  payload: Uint8Array;
  ciphertext: Uint8Array;
}

interface Vector {
  protocolName: string;
  initPrologue: Uint8Array;
  initStatic?: Uint8Array;
  initEphemeral?: Uint8Array;
  initRemoteStatic?: Uint8Array;
  respPrologue: Uint8Array;
  respStatic?: Uint8Array;
  respEphemeral?: Uint8Array;
  respRemoteStatic?: Uint8Array;
  handshakeHash: Uint8Array;
  messages: Message[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hex(record: Record<string, unknown>, field: string): Uint8Array {
  const value = record[field];
  if (typeof value !== 'string' || !/^(?:[0-9a-f]{2})*$/i.test(value)) {
    throw new TypeError(`field ${field} is not a hex string`);
  }
  return new Uint8Array(Buffer.from(value, 'hex'));
}

function optionalHex(record: Record<string, unknown>, field: string): Uint8Array | undefined {
  return record[field] === undefined ? undefined : hex(record, field);
}

function parseVector(raw: unknown): Vector {
  if (!isRecord(raw) || typeof raw.protocol_name !== 'string' || !Array.isArray(raw.messages)) {
    throw new TypeError('not a cacophony vector');
  }
  return {
    protocolName: raw.protocol_name,
    initPrologue: hex(raw, 'init_prologue'),
    initStatic: optionalHex(raw, 'init_static'),
    initEphemeral: optionalHex(raw, 'init_ephemeral'),
    initRemoteStatic: optionalHex(raw, 'init_remote_static'),
    respPrologue: hex(raw, 'resp_prologue'),
    respStatic: optionalHex(raw, 'resp_static'),
    respEphemeral: optionalHex(raw, 'resp_ephemeral'),
    respRemoteStatic: optionalHex(raw, 'resp_remote_static'),
    handshakeHash: hex(raw, 'handshake_hash'),
    messages: raw.messages.map((message: unknown) => {
      if (!isRecord(message)) throw new TypeError('message is not an object');
      return { payload: hex(message, 'payload'), ciphertext: hex(message, 'ciphertext') };
    }),
  };
}

function loadVectors(path: string): Vector[] {
  const file: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const list = isRecord(file) ? file.vectors : file;
  if (!Array.isArray(list)) throw new TypeError(`${path}: no "vectors" array`);
  return list.map(parseVector);
}

/** Why a vector cannot be run, or undefined when it can. */
function unsupportedReason(vector: Vector): string | undefined {
  try {
    parseProtocolName(vector.protocolName);
  } catch (error) {
    if (error instanceof UnsupportedProtocolError) return error.reason;
    throw error;
  }
  return undefined;
}

function runVector(vector: Vector): void {
  const keys = (priv: Uint8Array | undefined) =>
    priv === undefined ? undefined : keyPairFromPrivate(priv);
  const initiator = new HandshakeState({
    protocolName: vector.protocolName,
    initiator: true,
    prologue: vector.initPrologue,
    s: keys(vector.initStatic),
    e: keys(vector.initEphemeral),
    rs: vector.initRemoteStatic,
  });
  const responder = new HandshakeState({
    protocolName: vector.protocolName,
    initiator: false,
    prologue: vector.respPrologue,
    s: keys(vector.respStatic),
    e: keys(vector.respEphemeral),
    rs: vector.respRemoteStatic,
  });
  const { pattern } = initiator.protocol;
  const handshakeLength = pattern.messages.length;
  assert.ok(vector.messages.length > handshakeLength, 'the vector has transport messages');

  let initiatorCiphers: [CipherState, CipherState] | undefined;
  let responderCiphers: [CipherState, CipherState] | undefined;
  vector.messages.forEach(({ payload, ciphertext }, i) => {
    // Messages alternate, the initiator's first; in one-way patterns only the
    // initiator ever sends.
    const fromInitiator = pattern.oneWay || i % 2 === 0;
    const direction = fromInitiator ? 'initiator -> responder' : 'responder -> initiator';
    const where = `message ${i} (${direction})`;
    if (i < handshakeLength) {
      const [sender, receiver] = fromInitiator ? [initiator, responder] : [responder, initiator];
      assert.deepEqual(sender.writeMessage(payload), ciphertext, `${where} written`);
      assert.deepEqual(receiver.readMessage(ciphertext), payload, `${where} read`);
      return;
    }
    if (initiatorCiphers === undefined || responderCiphers === undefined) {
      assert.ok(initiator.isComplete() && responder.isComplete(), 'handshake complete');
      assert.deepEqual(initiator.getHandshakeHash(), vector.handshakeHash, 'initiator h');
      assert.deepEqual(responder.getHandshakeHash(), vector.handshakeHash, 'responder h');
      initiatorCiphers = initiator.split();
      responderCiphers = responder.split();
    }
    const [send, receive] = fromInitiator
      ? [initiatorCiphers[0], responderCiphers[0]]
      : [responderCiphers[1], initiatorCiphers[1]];
    const empty = new Uint8Array(0);
    assert.deepEqual(send.encryptWithAd(empty, payload), ciphertext, `${where} encrypted`);
    assert.deepEqual(receive.decryptWithAd(empty, ciphertext), payload, `${where} decrypted`);
  });
}

if (!existsSync(VECTORS_PATH)) {
  test(`cacophony vectors (file not found: ${VECTORS_PATH})`, {
    skip: `Noise vectors not found at ${VECTORS_PATH} (set SECURECHAT_NOISE_VECTORS)`,
  });
} else {
  const vectors = loadVectors(VECTORS_PATH);

  test('cacophony vectors: the required NX suites are present and supported', () => {
    for (const name of REQUIRED) {
      assert.ok(
        vectors.some((vector) => vector.protocolName === name),
        `${name} in ${VECTORS_PATH}`,
      );
      assert.doesNotThrow(() => parseProtocolName(name), name);
    }
  });

  test(`cacophony vectors from ${VECTORS_PATH}`, async (t) => {
    for (const [index, vector] of vectors.entries()) {
      const reason = unsupportedReason(vector);
      const name = `${vector.protocolName} (#${index})`;
      if (reason === undefined) {
        await t.test(name, () => runVector(vector));
      } else {
        await t.test(name, { skip: `unsupported: ${reason}` }, () => {});
      }
    }
  });
}
