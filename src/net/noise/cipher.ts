// Cipher functions (Noise spec §12.3 ChaChaPoly, §12.4 AESGCM) on node:crypto.
//
// ENCRYPT returns ciphertext || 16-byte tag; DECRYPT throws on any
// authentication failure. The 96-bit nonce is 32 zero bits followed by the
// 64-bit counter n: little-endian for ChaChaPoly, big-endian for AESGCM.

import { createCipheriv, createDecipheriv } from 'node:crypto';

export type CipherName = 'ChaChaPoly' | 'AESGCM';

export interface CipherFunctions {
  readonly name: CipherName;
  encrypt(k: Uint8Array, n: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Throws AuthenticationError when the tag does not verify. */
  decrypt(k: Uint8Array, n: bigint, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

export const KEYLEN = 32;
export const TAGLEN = 16;

/** Raised by DECRYPT; CipherState turns it into a ChannelError. */
export class AuthenticationError extends Error {
  constructor() {
    super('authentication tag did not verify');
    this.name = 'AuthenticationError';
  }
}

type Algorithm = 'chacha20-poly1305' | 'aes-256-gcm';

// authTagLength is passed on both sides: without it node accepts a truncated
// (e.g. 4-byte) AES-GCM tag on decryption.
const options = { authTagLength: TAGLEN };

// One call per literal, so that each picks its typed overload.
function cipheriv(algorithm: Algorithm, k: Uint8Array, iv: Uint8Array) {
  return algorithm === 'aes-256-gcm'
    ? createCipheriv(algorithm, k, iv, options)
    : createCipheriv(algorithm, k, iv, options);
}

function decipheriv(algorithm: Algorithm, k: Uint8Array, iv: Uint8Array) {
  return algorithm === 'aes-256-gcm'
    ? createDecipheriv(algorithm, k, iv, options)
    : createDecipheriv(algorithm, k, iv, options);
}

function aead(
  name: CipherName,
  algorithm: Algorithm,
  nonce: (n: bigint) => Uint8Array,
): CipherFunctions {
  return {
    name,
    encrypt(k, n, ad, plaintext) {
      const cipher = cipheriv(algorithm, k, nonce(n));
      cipher.setAAD(ad, { plaintextLength: plaintext.length });
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      return view(Buffer.concat([head, tail, cipher.getAuthTag()]));
    },
    decrypt(k, n, ad, ciphertext) {
      if (ciphertext.length < TAGLEN) throw new AuthenticationError();
      const body = ciphertext.subarray(0, ciphertext.length - TAGLEN);
      const decipher = decipheriv(algorithm, k, nonce(n));
      decipher.setAAD(ad, { plaintextLength: body.length });
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAGLEN));
      const head = decipher.update(body);
      try {
        const tail = decipher.final();
        // A stream cipher's final() is empty: no second copy of the plaintext.
        return view(tail.length === 0 ? head : Buffer.concat([head, tail]));
      } catch {
        throw new AuthenticationError();
      }
    },
  };
}

/** A plain Uint8Array over the Buffer's bytes: no copy (new Uint8Array(buffer) would copy). */
function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

function counterNonce(n: bigint, littleEndian: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, n, littleEndian);
  return nonce;
}

export const ChaChaPoly: CipherFunctions = aead('ChaChaPoly', 'chacha20-poly1305', (n) =>
  counterNonce(n, true),
);

export const AESGCM: CipherFunctions = aead('AESGCM', 'aes-256-gcm', (n) =>
  counterNonce(n, false),
);

export const CIPHERS: Readonly<Record<CipherName, CipherFunctions>> = { ChaChaPoly, AESGCM };
