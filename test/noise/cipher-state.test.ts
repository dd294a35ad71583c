// CipherState (Noise spec §5.1): authentication failures, nonce handling, rekey.

import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ChannelError } from '../../src/net/errors.ts';
import {
  AESGCM,
  ChaChaPoly,
  CipherState,
  MAX_NONCE,
  type CipherFunctions,
} from '../../src/net/noise/index.ts';

const AD = new TextEncoder().encode('associated data');
const PLAINTEXT = new TextEncoder().encode('hello, noise');

function isChannelError(code: string) {
  return (error: unknown) => error instanceof ChannelError && error.code === code;
}

function pair(cipher: CipherFunctions): [CipherState, CipherState] {
  const k = randomBytes(32);
  return [new CipherState(cipher, k), new CipherState(cipher, k)];
}

for (const cipher of [ChaChaPoly, AESGCM]) {
  describe(`CipherState with ${cipher.name}`, () => {
    test('a tampered ciphertext fails with decrypt_failed and leaves the state usable', () => {
      const [sender, receiver] = pair(cipher);
      const ciphertext = sender.encryptWithAd(AD, PLAINTEXT);
      for (const index of [0, PLAINTEXT.length, ciphertext.length - 1]) {
        const tampered = Uint8Array.from(ciphertext);
        tampered[index]! ^= 0x01;
        assert.throws(() => receiver.decryptWithAd(AD, tampered), isChannelError('decrypt_failed'));
        assert.equal(receiver.getNonce(), 0n, 'the nonce is not incremented on failure');
      }
      assert.deepEqual(receiver.decryptWithAd(AD, ciphertext), PLAINTEXT);
      assert.equal(receiver.getNonce(), 1n);
    });

    test('wrong associated data, a short ciphertext or a replay fail', () => {
      const [sender, receiver] = pair(cipher);
      const ciphertext = sender.encryptWithAd(AD, PLAINTEXT);
      assert.throws(
        () => receiver.decryptWithAd(new Uint8Array(0), ciphertext),
        isChannelError('decrypt_failed'),
      );
      for (const length of [0, 1, 15]) {
        assert.throws(
          () => receiver.decryptWithAd(AD, ciphertext.subarray(0, length)),
          isChannelError('decrypt_failed'),
        );
      }
      assert.deepEqual(receiver.decryptWithAd(AD, ciphertext), PLAINTEXT);
      assert.throws(() => receiver.decryptWithAd(AD, ciphertext), isChannelError('decrypt_failed'));
    });

    test('an empty plaintext gives a bare 16-byte tag', () => {
      const [sender, receiver] = pair(cipher);
      const ciphertext = sender.encryptWithAd(AD, new Uint8Array(0));
      assert.equal(ciphertext.length, 16);
      assert.deepEqual(receiver.decryptWithAd(AD, ciphertext), new Uint8Array(0));
    });

    test('nonce 2^64-1 is never used: nonce_exhausted', () => {
      const [sender, receiver] = pair(cipher);
      sender.setNonce(MAX_NONCE - 1n);
      receiver.setNonce(MAX_NONCE - 1n);
      const last = sender.encryptWithAd(AD, PLAINTEXT);
      assert.deepEqual(receiver.decryptWithAd(AD, last), PLAINTEXT);
      assert.throws(() => sender.encryptWithAd(AD, PLAINTEXT), isChannelError('nonce_exhausted'));
      assert.throws(() => receiver.decryptWithAd(AD, last), isChannelError('nonce_exhausted'));
    });

    test('rekey: both sides together keep talking, one side alone does not', () => {
      const [sender, receiver] = pair(cipher);
      sender.encryptWithAd(AD, PLAINTEXT);
      sender.rekey();
      receiver.setNonce(1n);
      receiver.rekey();
      assert.equal(sender.getNonce(), 1n, 'rekey keeps n');
      const ciphertext = sender.encryptWithAd(AD, PLAINTEXT);
      assert.deepEqual(receiver.decryptWithAd(AD, ciphertext), PLAINTEXT);
      sender.rekey();
      assert.throws(
        () => receiver.decryptWithAd(AD, sender.encryptWithAd(AD, PLAINTEXT)),
        isChannelError('decrypt_failed'),
      );
    });
  });
}

test('without a key, EncryptWithAd and DecryptWithAd return their input', () => {
  const state = new CipherState(ChaChaPoly);
  assert.equal(state.hasKey(), false);
  assert.deepEqual(state.encryptWithAd(AD, PLAINTEXT), PLAINTEXT);
  assert.deepEqual(state.decryptWithAd(AD, PLAINTEXT), PLAINTEXT);
});

test('nonces: 32 zero bits, then n little-endian (ChaChaPoly) or big-endian (AESGCM)', () => {
  const k = randomBytes(32);
  const n = 0x0102030405060708n;
  const expect = (algorithm: 'chacha20-poly1305' | 'aes-256-gcm', nonce: string) => {
    const iv = Buffer.from(nonce, 'hex');
    const c =
      algorithm === 'aes-256-gcm'
        ? createCipheriv(algorithm, k, iv, { authTagLength: 16 })
        : createCipheriv(algorithm, k, iv, { authTagLength: 16 });
    c.setAAD(AD, { plaintextLength: PLAINTEXT.length });
    return new Uint8Array(Buffer.concat([c.update(PLAINTEXT), c.final(), c.getAuthTag()]));
  };
  assert.deepEqual(
    ChaChaPoly.encrypt(k, n, AD, PLAINTEXT),
    expect('chacha20-poly1305', '000000000807060504030201'),
  );
  assert.deepEqual(
    AESGCM.encrypt(k, n, AD, PLAINTEXT),
    expect('aes-256-gcm', '000000000102030405060708'),
  );
});
