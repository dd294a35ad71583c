// DH and hash functions against published values and node's own HKDF.

import assert from 'node:assert/strict';
import { hkdfSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { dh, generateKeyPair, HASHES, keyPairFromPrivate } from '../../src/net/noise/index.ts';

const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

test('X25519 matches RFC 7748 §6.1', () => {
  const alice = keyPairFromPrivate(
    fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
  );
  const bob = keyPairFromPrivate(
    fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'),
  );
  assert.deepEqual(
    alice.publicKey,
    fromHex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'),
  );
  assert.deepEqual(
    bob.publicKey,
    fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'),
  );
  const shared = fromHex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  assert.deepEqual(dh(alice, bob.publicKey), shared);
  assert.deepEqual(dh(bob, alice.publicKey), shared);
});

test('generateKeyPair gives raw 32-byte keys that agree with keyPairFromPrivate', () => {
  const pair = generateKeyPair();
  assert.equal(pair.publicKey.length, 32);
  assert.equal(pair.privateKey.length, 32);
  assert.deepEqual(keyPairFromPrivate(pair.privateKey), pair);
  assert.throws(() => keyPairFromPrivate(new Uint8Array(31)), RangeError);
});

test('DH with a low-order public key throws instead of returning zeros', () => {
  const pair = generateKeyPair();
  assert.throws(() => dh(pair, new Uint8Array(32)));
  // 1 is a point of order 4 (small subgroup); the result is all zeros too.
  assert.throws(() => dh(pair, Uint8Array.of(1, ...new Array<number>(31).fill(0))));
});

test('HKDF (spec §4.3) equals RFC 5869 HKDF with the chaining key as salt and no info', () => {
  for (const [name, hash] of Object.entries(HASHES)) {
    const ck = randomBytes(hash.hashLen);
    for (const ikm of [randomBytes(32), new Uint8Array(0)]) {
      const outputs = hash.hkdf(ck, ikm, 3);
      const expected = Buffer.from(
        hkdfSync(hash.algorithm, ikm, ck, new Uint8Array(0), 3 * hash.hashLen),
      );
      assert.deepEqual(Buffer.concat(outputs), expected, name);
      assert.deepEqual(hash.hkdf(ck, ikm, 2), outputs.slice(0, 2), name);
    }
  }
});

test('SHA256 and SHA512 are always available; BLAKE2 when node provides it', () => {
  assert.equal(HASHES.SHA256?.hashLen, 32);
  assert.equal(HASHES.SHA512?.hashLen, 64);
  assert.deepEqual(
    HASHES.SHA256.hash(new TextEncoder().encode('abc')),
    fromHex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'),
  );
});
