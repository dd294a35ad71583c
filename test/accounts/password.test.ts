// Password policy and password hashes. Each default-cost hash takes ~128 MiB
// and a few hundred ms, so this file runs only a handful of them; the rest
// use a small N.

import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { test } from 'node:test';
import {
  DEFAULT_SCRYPT_PARAMS,
  PasswordHashError,
  decodePasswordHash,
  encodePasswordHash,
  hashPassword,
  hashingLoad,
  needsRehash,
  validatePassword,
  verifyAgainstDummy,
  verifyPassword,
} from '../../src/server/accounts/index.ts';

const CHEAP = { logN: 10, r: 8, p: 1 };

test('password policy: 8 to 1024 characters after NFKC, any Unicode', () => {
  assert.deepEqual(validatePassword('12345678'), { ok: true, password: '12345678' });
  assert.deepEqual(validatePassword('correct horse battery staple'), { ok: true, password: 'correct horse battery staple' });
  assert.deepEqual(validatePassword('😀😀😀😀😀😀😀😀'), { ok: true, password: '😀😀😀😀😀😀😀😀' }); // 8 code points, 16 UTF-16 units
  assert.deepEqual(validatePassword('ｐａｓｓｗｏｒｄ'), { ok: true, password: 'password' });
  assert.deepEqual(validatePassword('pass\u0000word\u202e'), { ok: true, password: 'pass\u0000word\u202e' });
  assert.deepEqual(validatePassword('x'.repeat(1024)), { ok: true, password: 'x'.repeat(1024) });

  const refused: [string, RegExp][] = [
    ['', /at least 8 characters/],
    ['1234567', /at least 8 characters/],
    ['😀😀😀😀', /at least 8 characters/], // 8 UTF-16 units but 4 characters
    ['e\u0301e\u0301e\u0301e\u0301', /at least 8 characters/], // 8 code points, 4 once composed
    ['x'.repeat(1025), /at most 1024 characters/],
    ['x'.repeat(100_000), /at most 1024 characters/],
    ['password\ud800', /unpaired UTF-16 surrogate/],
    ['\udfffpassword', /unpaired UTF-16 surrogate/],
  ];
  for (const [input, reason] of refused) {
    const result = validatePassword(input);
    assert.equal(result.ok, false, JSON.stringify(input.slice(0, 20)));
    if (!result.ok) assert.match(result.reason, reason);
  }
});

test('a default hash really is scrypt N=2^17, r=8, p=1 with a 16-byte salt, and round-trips', async () => {
  const encoded = await hashPassword('correct horse battery staple');
  assert.match(encoded, /^scrypt\$17\$8\$1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  const { params, salt, hash } = decodePasswordHash(encoded);
  assert.deepEqual(params, { logN: 17, r: 8, p: 1 });
  assert.equal(salt.length, 16);
  assert.equal(hash.length, 32);
  // Recomputed independently: the stored bytes are what N=2^17 gives.
  const expected = scryptSync('correct horse battery staple', salt, 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
  assert.deepEqual(hash, expected);
  assert.equal(encodePasswordHash({ params, salt, hash }), encoded);

  assert.equal(await verifyPassword('correct horse battery staple', encoded), true);
  assert.equal(await verifyPassword('correct horse battery stapl', encoded), false);
  assert.equal(needsRehash(encoded), false);
});

test('verifyAgainstDummy costs one default scrypt and is always false', async () => {
  const started = process.hrtime.bigint();
  assert.equal(await verifyAgainstDummy('anything at all'), false);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // A scrypt with N=2^17 cannot finish in a few ms on any machine.
  assert.ok(ms > 20, `dummy verification took only ${ms.toFixed(1)} ms`);
  assert.deepEqual(hashingLoad(), { running: 0, queued: 0 });
});

test('verification is NFKC-insensitive and uses the stored parameters', async () => {
  const encoded = await hashPassword('ｐａｓｓｗｏｒｄ!', CHEAP);
  assert.match(encoded, /^scrypt\$10\$8\$1\$/);
  assert.equal(await verifyPassword('password!', encoded), true);
  assert.equal(await verifyPassword('ｐａｓｓｗｏｒｄ!', encoded), true);
  assert.equal(await verifyPassword('Password!', encoded), false);
  assert.equal(await verifyPassword('', encoded), false);
  // Salted: the same password hashes differently each time.
  assert.notEqual(await hashPassword('password!', CHEAP), encoded);
});

test('needsRehash reports anything weaker than the defaults', async () => {
  assert.equal(needsRehash(await hashPassword('password!', CHEAP)), true);
  const salt = Buffer.alloc(16, 1);
  const hash = Buffer.alloc(32, 2);
  const at = (logN: number, r: number, p: number) => encodePasswordHash({ params: { logN, r, p }, salt, hash });
  assert.equal(needsRehash(at(17, 8, 1)), false);
  assert.equal(needsRehash(at(18, 8, 1)), false);
  assert.equal(needsRehash(at(16, 8, 1)), true);
  assert.equal(needsRehash(at(17, 4, 1)), true);
  assert.equal(needsRehash(at(17, 8, 2)), false);
  assert.equal(needsRehash(encodePasswordHash({ params: DEFAULT_SCRYPT_PARAMS, salt: Buffer.alloc(8), hash })), true);
  assert.equal(needsRehash(encodePasswordHash({ params: DEFAULT_SCRYPT_PARAMS, salt, hash: Buffer.alloc(16) })), true);
  assert.equal(needsRehash('not a hash'), true);
});

test('malformed or out-of-range stored hashes are refused with a code, never verified', async () => {
  const good = encodePasswordHash({ params: CHEAP, salt: Buffer.alloc(16, 1), hash: Buffer.alloc(32, 2) });
  const cases: [string, string][] = [
    ['', 'malformed_hash'],
    ['$2b$10$abcdefghijklmnopqrstuv', 'malformed_hash'],
    [good.replace('scrypt$', 'argon2$'), 'malformed_hash'],
    [good.replace('$10$', '$010$'), 'malformed_hash'],
    [good.replace('$10$', '$x$'), 'malformed_hash'],
    [good.replace('$10$', '$-1$'), 'malformed_hash'],
    [good + '$extra', 'malformed_hash'],
    [good.slice(0, -4) + '!!!!', 'malformed_hash'],
    [good.replace('$10$', '$40$'), 'unsupported_params'],
    [good.replace('$10$8$', '$22$64$'), 'unsupported_params'],
  ];
  for (const [encoded, code] of cases) {
    assert.throws(() => decodePasswordHash(encoded), (error: unknown) => error instanceof PasswordHashError && error.code === code, encoded);
    await assert.rejects(verifyPassword('password!', encoded), PasswordHashError);
  }
});

test('concurrent hashes queue and all complete', async () => {
  const passwords = ['one-password', 'two-password', 'three-password', 'four-password', 'five-password'];
  const hashes = await Promise.all(passwords.map((password) => hashPassword(password, CHEAP)));
  const results = await Promise.all(hashes.map((encoded, index) => verifyPassword(passwords[index]!, encoded)));
  assert.deepEqual(results, [true, true, true, true, true]);
  assert.deepEqual(hashingLoad(), { running: 0, queued: 0 });
});
