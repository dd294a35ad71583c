// What the server accepts as a password (DESIGN.md, "Accounts and sessions";
// NIST SP 800-63B §5.1.1.2): at least 8 and at most 1,024 characters, any
// Unicode at all (spaces, emoji, control characters included: a password is
// never shown), compared after NFKC normalisation so that the same password
// typed on two keyboards that encode it differently still matches.
//
// No composition rules ("one digit, one symbol") and no forced expiry, as
// SP 800-63B advises. It also advises refusing passwords from breach
// corpora; there is no such list here yet.

import { codePointLength, hasLoneSurrogate } from './text.ts';

export const PASSWORD_MIN_CHARS = 8;
export const PASSWORD_MAX_CHARS = 1024;

/**
 * Longest raw input looked at, in UTF-16 units: past this, NFKC (which
 * composes at most four code points into one) cannot bring the password
 * under the limit, so it is refused before normalising.
 */
const MAX_RAW_UTF16 = 16 * PASSWORD_MAX_CHARS;

export type PasswordResult = { ok: true; password: string } | { ok: false; reason: string };

/** `password` is the NFKC form: hash that, never the raw input. */
export function validatePassword(raw: string): PasswordResult {
  if (typeof raw !== 'string') return fail('The password must be text.');
  if (hasLoneSurrogate(raw)) {
    return fail('The password contains invalid text (an unpaired UTF-16 surrogate), so it cannot be stored reliably.');
  }
  if (raw.length > MAX_RAW_UTF16) return tooLong();
  const password = raw.normalize('NFKC');
  const length = codePointLength(password);
  if (length < PASSWORD_MIN_CHARS) {
    return fail(`The password must be at least ${PASSWORD_MIN_CHARS} characters long.`);
  }
  if (length > PASSWORD_MAX_CHARS) return tooLong();
  return { ok: true, password };
}

function tooLong(): PasswordResult {
  return fail(`The password must be at most ${PASSWORD_MAX_CHARS} characters long.`);
}

function fail(reason: string): PasswordResult {
  return { ok: false, reason };
}
