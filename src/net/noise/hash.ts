// Hash functions (Noise spec §12.5-§12.8) with HMAC and HKDF (§4.3).

import { createHash, createHmac, getHashes } from 'node:crypto';

export type HashName = 'SHA256' | 'SHA512' | 'BLAKE2s' | 'BLAKE2b';

export interface HashFunctions {
  readonly name: HashName;
  /** node:crypto's name for it. */
  readonly algorithm: string;
  /** HASHLEN: 32 or 64. */
  readonly hashLen: number;
  hash(...data: Uint8Array[]): Uint8Array;
  hmac(key: Uint8Array, ...data: Uint8Array[]): Uint8Array;
  /** HKDF(chaining_key, input_key_material, num_outputs) of §4.3. */
  hkdf(ck: Uint8Array, ikm: Uint8Array, numOutputs: 2): [Uint8Array, Uint8Array];
  hkdf(ck: Uint8Array, ikm: Uint8Array, numOutputs: 3): [Uint8Array, Uint8Array, Uint8Array];
}

function hashFunctions(name: HashName, algorithm: string, hashLen: number): HashFunctions {
  function hash(...data: Uint8Array[]): Uint8Array {
    const h = createHash(algorithm);
    for (const part of data) h.update(part);
    return new Uint8Array(h.digest());
  }
  // node's HMAC uses the digest's own block length (64 bytes for SHA256 and
  // BLAKE2s, 128 for SHA512 and BLAKE2b), as §4.3 requires.
  function hmac(key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
    const h = createHmac(algorithm, key);
    for (const part of data) h.update(part);
    return new Uint8Array(h.digest());
  }
  function hkdf(ck: Uint8Array, ikm: Uint8Array, numOutputs: 2): [Uint8Array, Uint8Array];
  function hkdf(ck: Uint8Array, ikm: Uint8Array, numOutputs: 3): [Uint8Array, Uint8Array, Uint8Array];
  function hkdf(ck: Uint8Array, ikm: Uint8Array, numOutputs: 2 | 3): Uint8Array[] {
    const tempKey = hmac(ck, ikm);
    const output1 = hmac(tempKey, Uint8Array.of(0x01));
    const output2 = hmac(tempKey, output1, Uint8Array.of(0x02));
    if (numOutputs === 2) return [output1, output2];
    const output3 = hmac(tempKey, output2, Uint8Array.of(0x03));
    return [output1, output2, output3];
  }
  return { name, algorithm, hashLen, hash, hmac, hkdf };
}

const available = new Set(getHashes());

/** The hash functions this node's OpenSSL provides (BLAKE2 may be missing). */
export const HASHES: Readonly<Partial<Record<HashName, HashFunctions>>> = Object.fromEntries(
  (
    [
      ['SHA256', 'sha256', 32],
      ['SHA512', 'sha512', 64],
      ['BLAKE2s', 'blake2s256', 32],
      ['BLAKE2b', 'blake2b512', 64],
    ] as const
  )
    .filter(([, algorithm]) => available.has(algorithm))
    .map(([name, algorithm, hashLen]) => [name, hashFunctions(name, algorithm, hashLen)]),
);
