// HandshakeState (Noise spec §5.3) between fresh parties with random keys,
// and its failures on malformed or unauthenticated input.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChannelError } from '../../src/net/errors.ts';
import {
  CIPHERS,
  generateKeyPair,
  HandshakeState,
  HASHES,
  PATTERNS,
  UnsupportedProtocolError,
  type KeyPair,
} from '../../src/net/noise/index.ts';

const NX = 'Noise_NX_25519_ChaChaPoly_SHA256';
const PROLOGUE = new TextEncoder().encode('securechat test');
const text = (s: string) => new TextEncoder().encode(s);

function isChannelError(code: string) {
  return (error: unknown) => error instanceof ChannelError && error.code === code;
}

function nxPair(serverStatic: KeyPair = generateKeyPair(), prologue = PROLOGUE) {
  const initiator = new HandshakeState({ protocolName: NX, initiator: true, prologue });
  const responder = new HandshakeState({
    protocolName: NX,
    initiator: false,
    prologue: PROLOGUE,
    s: serverStatic,
  });
  return { initiator, responder };
}

/** Each direction's CipherState pair interoperates (only i -> r in one-way patterns). */
function assertSplitsMatch(
  initiator: HandshakeState,
  responder: HandshakeState,
  oneWay = false,
): void {
  const [initiatorSend, initiatorReceive] = initiator.split();
  const [responderReceive, responderSend] = responder.split();
  const ad = new Uint8Array(0);
  const toResponder = initiatorSend.encryptWithAd(ad, text('to responder'));
  assert.deepEqual(responderReceive.decryptWithAd(ad, toResponder), text('to responder'));
  if (oneWay) return;
  const toInitiator = responderSend.encryptWithAd(ad, text('to initiator'));
  assert.deepEqual(initiatorReceive.decryptWithAd(ad, toInitiator), text('to initiator'));
}

describe('NX between fresh HandshakeStates', () => {
  test('gives matching split keys and the responder static key to the initiator', () => {
    const server = generateKeyPair();
    const { initiator, responder } = nxPair(server);
    assert.deepEqual(responder.readMessage(initiator.writeMessage(text('hello'))), text('hello'));
    assert.equal(initiator.isComplete(), false);
    const message2 = responder.writeMessage(text('welcome'));
    assert.equal(message2.length, 32 + 32 + 16 + 'welcome'.length + 16);
    assert.deepEqual(initiator.readMessage(message2), text('welcome'));
    assert.ok(initiator.isComplete() && responder.isComplete());

    assert.deepEqual(initiator.getRemoteStaticPublicKey(), server.publicKey);
    assert.equal(responder.getRemoteStaticPublicKey(), undefined);
    assert.deepEqual(initiator.getHandshakeHash(), responder.getHandshakeHash());
    assert.equal(initiator.getHandshakeHash().length, 32);

    assertSplitsMatch(initiator, responder);
  });

  test('two runs with the same static key give different session keys', () => {
    const server = generateKeyPair();
    const runs = [nxPair(server), nxPair(server)].map(({ initiator, responder }) => {
      responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
      initiator.readMessage(responder.writeMessage(new Uint8Array(0)));
      return initiator.getHandshakeHash();
    });
    assert.notDeepEqual(runs[0], runs[1]);
  });

  test('a truncated handshake message fails with handshake_failed', () => {
    for (const length of [0, 1, 31, 32, 63, 64, 79, 80, 95]) {
      const { initiator, responder } = nxPair();
      responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
      const message2 = responder.writeMessage(new Uint8Array(0));
      assert.equal(message2.length, 96);
      assert.throws(
        () => initiator.readMessage(message2.subarray(0, length)),
        isChannelError('handshake_failed'),
        `truncated to ${length} bytes`,
      );
      // The failed state is not reusable, even with the whole message.
      assert.throws(() => initiator.readMessage(message2), isChannelError('handshake_failed'));
    }
    const { responder } = nxPair();
    assert.throws(
      () => responder.readMessage(new Uint8Array(31)),
      isChannelError('handshake_failed'),
    );
  });

  test('a tampered handshake message fails with handshake_failed', () => {
    for (const index of [0, 40, 70, 90]) {
      const { initiator, responder } = nxPair();
      responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
      const message2 = responder.writeMessage(new Uint8Array(10));
      message2[index]! ^= 0x80;
      assert.throws(
        () => initiator.readMessage(message2),
        isChannelError('handshake_failed'),
        `byte ${index} flipped`,
      );
    }
  });

  test('different prologues fail at the first authenticated message', () => {
    const { initiator, responder } = nxPair(generateKeyPair(), text('another prologue'));
    responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
    assert.throws(
      () => initiator.readMessage(responder.writeMessage(new Uint8Array(0))),
      isChannelError('handshake_failed'),
    );
  });

  test('a low-order ephemeral key fails with handshake_failed', () => {
    const { initiator, responder } = nxPair();
    responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
    const message2 = responder.writeMessage(new Uint8Array(0));
    message2.fill(0, 0, 32);
    assert.throws(() => initiator.readMessage(message2), isChannelError('handshake_failed'));
  });

  test('out-of-turn calls, extra messages and an early split fail with handshake_failed', () => {
    const { initiator, responder } = nxPair();
    assert.throws(() => responder.writeMessage(new Uint8Array(0)), isChannelError('handshake_failed'));
    assert.throws(() => initiator.readMessage(new Uint8Array(32)), isChannelError('handshake_failed'));
    assert.throws(() => initiator.split(), isChannelError('handshake_failed'));
    responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
    initiator.readMessage(responder.writeMessage(new Uint8Array(0)));
    assert.throws(() => initiator.readMessage(new Uint8Array(96)), isChannelError('handshake_failed'));
    assert.throws(() => responder.writeMessage(new Uint8Array(0)), isChannelError('handshake_failed'));
  });

  test('a payload that would exceed 65535 bytes is refused before any state changes', () => {
    const { initiator, responder } = nxPair();
    responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
    assert.throws(
      () => responder.writeMessage(new Uint8Array(65535 - 96 + 1)),
      isChannelError('message_too_large'),
    );
    const message2 = responder.writeMessage(new Uint8Array(65535 - 96));
    assert.equal(message2.length, 65535);
    assert.equal(initiator.readMessage(message2).length, 65535 - 96);
  });
});

describe('configuration errors are thrown by the constructor', () => {
  test('an unsupported protocol name', () => {
    for (const protocolName of [
      'Noise_NXpsk2_25519_ChaChaPoly_SHA256',
      'Noise_NX_448_ChaChaPoly_SHA256',
      'Noise_NX_25519_AES256_SHA256',
      'Noise_NX_25519_ChaChaPoly_MD5',
      'Noise_toString_25519_ChaChaPoly_SHA256',
      'NoiseNX',
    ]) {
      assert.throws(
        () => new HandshakeState({ protocolName, initiator: true, prologue: PROLOGUE }),
        UnsupportedProtocolError,
        protocolName,
      );
    }
  });

  test('a key the pattern needs is missing or has the wrong length', () => {
    assert.throws(
      () => new HandshakeState({ protocolName: NX, initiator: false, prologue: PROLOGUE }),
      /needs s/,
    );
    assert.throws(
      () =>
        new HandshakeState({
          protocolName: 'Noise_IK_25519_AESGCM_SHA256',
          initiator: true,
          prologue: PROLOGUE,
          s: generateKeyPair(),
        }),
      /needs rs/,
    );
    assert.throws(
      () =>
        new HandshakeState({
          protocolName: 'Noise_NK_25519_AESGCM_SHA256',
          initiator: true,
          prologue: PROLOGUE,
          rs: new Uint8Array(33),
        }),
      RangeError,
    );
  });
});

describe('every pattern and suite completes between fresh parties', () => {
  for (const pattern of PATTERNS.values()) {
    test(pattern.name, () => {
      for (const cipher of Object.keys(CIPHERS)) {
        for (const hash of Object.keys(HASHES)) {
          const protocolName = `Noise_${pattern.name}_25519_${cipher}_${hash}`;
          const initiatorStatic = generateKeyPair();
          const responderStatic = generateKeyPair();
          const known = (side: 'initiator' | 'responder', key: KeyPair) =>
            pattern.preMessages[side].includes('s') ? key.publicKey : undefined;
          const initiator = new HandshakeState({
            protocolName,
            initiator: true,
            prologue: PROLOGUE,
            s: initiatorStatic,
            rs: known('responder', responderStatic),
          });
          const responder = new HandshakeState({
            protocolName,
            initiator: false,
            prologue: PROLOGUE,
            s: responderStatic,
            rs: known('initiator', initiatorStatic),
          });
          pattern.messages.forEach((_, i) => {
            const [sender, receiver] =
              i % 2 === 0 ? [initiator, responder] : [responder, initiator];
            const payload = text(`${protocolName} message ${i}`);
            assert.deepEqual(receiver.readMessage(sender.writeMessage(payload)), payload);
          });
          assert.ok(initiator.isComplete() && responder.isComplete(), protocolName);
          assert.deepEqual(initiator.getHandshakeHash(), responder.getHandshakeHash(), protocolName);
          const sends = (parity: number) =>
            pattern.messages.some((tokens, i) => i % 2 === parity && tokens.includes('s'));
          if (sends(0) || known('initiator', initiatorStatic)) {
            assert.deepEqual(responder.getRemoteStaticPublicKey(), initiatorStatic.publicKey);
          }
          if (sends(1) || known('responder', responderStatic)) {
            assert.deepEqual(initiator.getRemoteStaticPublicKey(), responderStatic.publicKey);
          }
          assertSplitsMatch(initiator, responder, pattern.oneWay);
        }
      }
    });
  }
});
