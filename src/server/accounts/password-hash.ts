// Password hashes (DESIGN.md, "Accounts and sessions"): scrypt, a random
// 16-byte salt, N=2^17, r=8, p=1 (OWASP Password Storage Cheat Sheet, the
// current minimum for scrypt), a 32-byte result, compared in constant time.
//
// Encoded form, self-describing so that the cost can be raised later and old
// hashes still verify (needsRehash tells the caller to re-hash after the
// next successful login):
//
//     scrypt$<log2 N>$<r>$<p>$<salt, base64>$<hash, base64>
//     scrypt$17$8$1$q1Jc…$Wl9k…            (base64 without `=` padding)
//
// Hashing runs in libuv's thread pool (async crypto.scrypt), never on the
// event loop. Each default hash takes ~128 MiB and a few hundred ms there, and
// the same pool serves fs (the journal's fsync): so at most
// MAX_CONCURRENT_HASHES run at once and the rest wait in a queue here,
// which also bounds the memory a flood of logins can claim.

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** log2 of N, the CPU/memory cost. */
  logN: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ logN: 17, r: 8, p: 1 });

export const SALT_BYTES = 16;
export const HASH_BYTES = 32;

/** Hashes running in the thread pool at once; UV_THREADPOOL_SIZE is 4 by default. */
export const MAX_CONCURRENT_HASHES = 2;

/**
 * Stored hashes are accepted as they are (an import may carry weaker ones),
 * but not past these bounds, so that a corrupt or hostile record cannot make
 * one verification take minutes or gigabytes.
 */
const MAX_LOG_N = 24;
const MAX_R = 64;
const MAX_P = 16;
const MAX_SCRYPT_MEMORY = 1024 * 1024 * 1024;
const MIN_STORED_BYTES = 8;
const MAX_STORED_BYTES = 64;

export type PasswordHashErrorCode = 'malformed_hash' | 'unsupported_params';

/** A stored hash that cannot be used: a data error, not a wrong password. */
export class PasswordHashError extends Error {
  constructor(
    readonly code: PasswordHashErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PasswordHashError';
  }
}

export interface DecodedPasswordHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

/** Hashes a password (already checked by validatePassword) with a fresh salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  const hash = await runScrypt(password, salt, HASH_BYTES, params);
  return encodePasswordHash({ params, salt, hash });
}

/**
 * True when the password matches. Throws PasswordHashError when `encoded`
 * is not a hash this module can read (a corrupt record).
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const stored = decodePasswordHash(encoded);
  const candidate = await runScrypt(password, stored.salt, stored.hash.length, stored.params);
  return timingSafeEqual(candidate, stored.hash);
}

let dummyHash: string | undefined;

/**
 * For a login with an unknown username: costs one scrypt with the default
 * parameters, like verifying a real (current) hash, and is always false.
 * The dummy hash is random bytes, made on first use without hashing.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= encodePasswordHash({
    params: { ...DEFAULT_SCRYPT_PARAMS },
    salt: randomBytes(SALT_BYTES),
    hash: randomBytes(HASH_BYTES),
  });
  await verifyPassword(password, dummyHash);
  return false;
}

/** True when the hash is weaker than the defaults in any respect, or unreadable. */
export function needsRehash(encoded: string): boolean {
  let stored: DecodedPasswordHash;
  try {
    stored = decodePasswordHash(encoded);
  } catch {
    return true;
  }
  const { params, salt, hash } = stored;
  return (
    params.logN < DEFAULT_SCRYPT_PARAMS.logN ||
    params.r < DEFAULT_SCRYPT_PARAMS.r ||
    params.p < DEFAULT_SCRYPT_PARAMS.p ||
    salt.length < SALT_BYTES ||
    hash.length < HASH_BYTES
  );
}

export function encodePasswordHash({ params, salt, hash }: DecodedPasswordHash): string {
  return ['scrypt', params.logN, params.r, params.p, toBase64(salt), toBase64(hash)].join('$');
}

const DECIMAL = /^[1-9][0-9]{0,3}$/;
const BASE64 = /^[A-Za-z0-9+/]+$/;

export function decodePasswordHash(encoded: string): DecodedPasswordHash {
  const parts = typeof encoded === 'string' ? encoded.split('$') : [];
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    throw new PasswordHashError('malformed_hash', 'The stored password hash is not an scrypt hash in the expected format.');
  }
  const [, logN, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  if (![logN, r, p].every((part) => DECIMAL.test(part))) {
    throw new PasswordHashError('malformed_hash', 'The stored password hash has unreadable scrypt parameters.');
  }
  const params: ScryptParams = { logN: Number(logN), r: Number(r), p: Number(p) };
  checkParams(params);
  return { params, salt: fromBase64(salt, 'salt'), hash: fromBase64(hash, 'hash') };
}

/** How many hashes run in the pool and how many wait for it: for metrics and back-pressure. */
export function hashingLoad(): { running: number; queued: number } {
  return { running, queued: waiting.length };
}

function checkParams({ logN, r, p }: ScryptParams): void {
  const integers = [logN, r, p].every((value) => Number.isInteger(value) && value >= 1);
  if (!integers || logN > MAX_LOG_N || r > MAX_R || p > MAX_P || scryptMemory({ logN, r, p }) > MAX_SCRYPT_MEMORY) {
    throw new PasswordHashError(
      'unsupported_params',
      `scrypt parameters out of range (logN=${logN}, r=${r}, p=${p}; allowed logN ≤ ${MAX_LOG_N}, r ≤ ${MAX_R}, p ≤ ${MAX_P}, memory ≤ 1 GiB).`,
    );
  }
}

/**
 * Bytes OpenSSL's scrypt needs, which it checks against `maxmem`
 * (EVP_PBE_scrypt: B is 128·r·p bytes, V is 128·r·(N+2)). Node's default
 * maxmem of 32 MiB is below the 128 MiB that N=2^17, r=8 needs.
 */
function scryptMemory({ logN, r, p }: ScryptParams): number {
  return 128 * r * (2 ** logN + 2 + p);
}

const MAXMEM_MARGIN = 1024 * 1024;

async function runScrypt(password: string, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  // Idempotent on a validated password; guards a caller that skipped validatePassword.
  const secret = Buffer.from(password.normalize('NFKC'), 'utf8');
  await acquireSlot();
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      scrypt(
        secret,
        salt,
        keylen,
        { N: 2 ** params.logN, r: params.r, p: params.p, maxmem: scryptMemory(params) + MAXMEM_MARGIN },
        (error, key) => (error ? reject(error) : resolve(key)),
      );
    });
  } finally {
    releaseSlot();
  }
}

let running = 0;
const waiting: (() => void)[] = [];

function acquireSlot(): Promise<void> {
  if (running < MAX_CONCURRENT_HASHES) {
    running++;
    return Promise.resolve();
  }
  return new Promise((resolve) => waiting.push(resolve));
}

/** Hands the slot straight to the next waiter, so no newcomer can slip in between. */
function releaseSlot(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

function toBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function fromBase64(text: string, what: string): Buffer {
  const bytes = BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (!bytes || toBase64(bytes) !== text || bytes.length < MIN_STORED_BYTES || bytes.length > MAX_STORED_BYTES) {
    throw new PasswordHashError('malformed_hash', `The stored password hash has an unreadable ${what}.`);
  }
  return bytes;
}
