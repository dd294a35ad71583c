// Curve25519 DH functions (Noise spec §12.1) on node:crypto's X25519.
//
// node:crypto wants KeyObjects, while Noise speaks raw 32-byte keys: a raw key
// becomes a KeyObject by prefixing the fixed DER header of an X25519 PKCS#8 or
// SPKI structure (RFC 8410), and goes back by taking the last 32 bytes.

import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** DHLEN for Curve25519. */
export const DHLEN = 32;

const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
]);

function checkLength(key: Uint8Array, what: string): void {
  if (key.length !== DHLEN) {
    throw new RangeError(`X25519 ${what} must be ${DHLEN} bytes, got ${key.length}`);
  }
}

// Parsing DER into a KeyObject costs about as much as the DH itself; a
// server's static key takes part in every handshake, so its KeyObject is kept.
// Keyed by the array itself: key material is never mutated in place here.
const privateKeyObjects = new WeakMap<Uint8Array, KeyObject>();

function privateKeyObject(privateKey: Uint8Array): KeyObject {
  const cached = privateKeyObjects.get(privateKey);
  if (cached) return cached;
  checkLength(privateKey, 'private key');
  const der = Buffer.concat([PKCS8_PREFIX, privateKey]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  privateKeyObjects.set(privateKey, key);
  return key;
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  checkLength(publicKey, 'public key');
  const der = Buffer.concat([SPKI_PREFIX, publicKey]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - DHLEN));
}

function rawPrivateKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return new Uint8Array(der.subarray(der.length - DHLEN));
}

/** GENERATE_KEYPAIR(). */
export function generateKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const raw = rawPrivateKey(privateKey);
  privateKeyObjects.set(raw, privateKey);
  return { publicKey: rawPublicKey(publicKey), privateKey: raw };
}

/** The key pair whose private key is `privateKey` (used as given; X25519 clamps it). */
export function keyPairFromPrivate(privateKey: Uint8Array): KeyPair {
  const copy = Uint8Array.from(privateKey);
  return { publicKey: rawPublicKey(createPublicKey(privateKeyObject(copy))), privateKey: copy };
}

/**
 * DH(key_pair, public_key). Throws when the result would be all zeros (a
 * low-order public key): OpenSSL refuses that derivation, which spec §12.1
 * allows ("may ... signal an error").
 */
export function dh(keyPair: KeyPair, publicKey: Uint8Array): Uint8Array {
  const shared = diffieHellman({
    privateKey: privateKeyObject(keyPair.privateKey),
    publicKey: publicKeyObject(publicKey),
  });
  return new Uint8Array(shared.buffer, shared.byteOffset, shared.byteLength);
}
