// Every string of the Big List of Naughty Strings as a username, a room name
// and a password: the validators never throw, refuse with a clean reason,
// and accept only what the rules allow.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  PASSWORD_MAX_CHARS,
  PASSWORD_MIN_CHARS,
  validatePassword,
  validateRoomName,
  validateUsername,
} from '../../src/server/accounts/index.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BLNS_PATH = resolve(REPO_ROOT, process.env.SECURECHAT_BLNS ?? '../shared/corpora/blns.json');

/** Characters a reason must never carry: controls, format characters, surrogates, unassigned. */
const UNSAFE_IN_REASON = /[\p{Cc}\p{Cf}\p{Cs}\p{Cn}\p{Co}\p{M}]/u;
/** What an accepted name is made of (marks only as script vowel signs, checked in username.test.ts). */
const NAME_ALPHABET = /^[\p{L}\p{Nd}\p{M}_.-]+$/u;

function loadStrings(): string[] {
  const parsed: unknown = JSON.parse(readFileSync(BLNS_PATH, 'utf8'));
  assert.ok(Array.isArray(parsed), 'blns.json holds an array');
  return parsed.filter((item): item is string => typeof item === 'string');
}

function checkName(kind: string, validate: (raw: string) => { ok: true; name: string; key: string } | { ok: false; reason: string }, maxChars: number): void {
  const strings = loadStrings();
  let accepted = 0;
  for (const raw of strings) {
    // Also with a prefix, so that short strings reach the later rules.
    for (const input of [raw, `ab${raw}`]) {
      const result = validate(input);
      if (result.ok) {
        accepted++;
        assert.ok([...result.name].length <= maxChars, `${kind} ${JSON.stringify(input)}: too long`);
        assert.match(result.name, NAME_ALPHABET, `${kind} ${JSON.stringify(input)}: outside the alphabet`);
        assert.doesNotMatch(result.name, /[\p{Cc}\p{Cf}\s]/u);
        assert.equal(result.name, result.name.normalize('NFKC'));
        assert.deepEqual(validate(result.name), result, `${kind} ${JSON.stringify(input)}: not stable`);
      } else {
        assert.ok(result.reason.length > 0);
        assert.doesNotMatch(result.reason, UNSAFE_IN_REASON, `${kind} ${JSON.stringify(input)}: unsafe reason ${JSON.stringify(result.reason)}`);
      }
    }
  }
  assert.ok(accepted > 0 && accepted < strings.length * 2, `${kind}: accepted ${accepted}, which looks wrong`);
}

if (!existsSync(BLNS_PATH)) {
  const skip = `Big List of Naughty Strings not found at ${BLNS_PATH} (set SECURECHAT_BLNS)`;
  test('BLNS as usernames', { skip });
  test('BLNS as room names', { skip });
  test('BLNS as passwords', { skip });
} else {
  test('BLNS as usernames', () => checkName('username', validateUsername, 32));

  test('BLNS as room names', () => checkName('room name', validateRoomName, 32));

  test('BLNS as passwords', () => {
    const strings = loadStrings();
    for (const raw of strings) {
      for (const input of [raw, `password${raw}`]) {
        const result = validatePassword(input);
        if (result.ok) {
          const length = [...result.password].length;
          assert.ok(length >= PASSWORD_MIN_CHARS && length <= PASSWORD_MAX_CHARS);
          assert.equal(result.password, input.normalize('NFKC'));
        } else {
          assert.doesNotMatch(result.reason, UNSAFE_IN_REASON);
          assert.ok([...input.normalize('NFKC')].length < PASSWORD_MIN_CHARS || /surrogate/.test(result.reason), JSON.stringify(input));
        }
      }
    }
  });
}
