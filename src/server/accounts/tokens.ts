// Session tokens (DESIGN.md, "Accounts and sessions"): a successful login
// returns a bearer token so that a reconnect resumes without the password.
// The store keeps only the token's SHA-256: a copy of the database does not
// let anyone resume a session. The token has 256 random bits, so a plain
// hash (no salt, no slow hash) is enough, and looking it up by its hash
// leaks nothing useful through timing.

import { createHash, randomBytes } from 'node:crypto';

export const SESSION_TOKEN_BYTES = 32;

/** A session lasts 30 days from login; logout revokes it sooner. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** 32 bytes in unpadded base64url are 43 characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newSessionToken(): { token: string; tokenHash: string } {
  const token = randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
  return { token, tokenHash: hashToken(token) };
}

/** SHA-256 of the token text, lower-case hex: the only form that is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether a token presented by a client could have come from newSessionToken (check before looking it up). */
export function isWellFormedToken(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_SHAPE.test(token);
}
