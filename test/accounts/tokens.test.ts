import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { SESSION_TTL_MS, hashToken, isWellFormedToken, newSessionToken } from '../../src/server/accounts/index.ts';

test('session tokens: 32 random bytes as base64url, stored as SHA-256 hex', () => {
  const { token, tokenHash } = newSessionToken();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(token, 'base64url').length, 32);
  assert.match(tokenHash, /^[0-9a-f]{64}$/);
  assert.equal(tokenHash, createHash('sha256').update(token).digest('hex'));
  assert.equal(hashToken(token), tokenHash);
  assert.ok(isWellFormedToken(token));
});

test('tokens do not repeat', () => {
  const tokens = new Set(Array.from({ length: 1000 }, () => newSessionToken().token));
  assert.equal(tokens.size, 1000);
});

test('malformed tokens are recognised before any look-up', () => {
  for (const token of ['', 'short', 'a'.repeat(44), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}+`, 42, null, undefined]) {
    assert.equal(isWellFormedToken(token), false, String(token));
  }
});

test('a session lasts 30 days', () => {
  assert.equal(SESSION_TTL_MS, 30 * 24 * 3600 * 1000);
});
