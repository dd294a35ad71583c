// The bridge's boundary checks, and the ASCII JSON that carries results
// through libwebview-nodejs 0.1.0 intact.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { asciiJson } from '../../src/native/ascii-json.ts';
import { BadActionError, decodeUiAction } from '../../src/native/bridge-protocol.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BLNS_PATH = resolve(REPO_ROOT, process.env.SECURECHAT_BLNS ?? '../shared/corpora/blns.json');

describe('decodeUiAction', () => {
  test('accepts each action and drops unknown fields', () => {
    assert.deepEqual(decodeUiAction({ type: 'login', host: 'h', port: 5555, username: 'u', password: 'p', register: 'yes', extra: 1 }), {
      type: 'login',
      host: 'h',
      port: 5555,
      username: 'u',
      password: 'p',
      register: false,
    });
    assert.deepEqual(decodeUiAction({ type: 'send', ref: 3, room: 'general', body: 'hi' }), { type: 'send', ref: 3, room: 'general', body: 'hi' });
    assert.deepEqual(decodeUiAction({ type: 'history', room: 'r', before: 10, limit: 5 }), { type: 'history', room: 'r', before: 10, limit: 5 });
    assert.deepEqual(decodeUiAction({ type: 'history', room: 'r' }), { type: 'history', room: 'r' });
    for (const type of ['rooms', 'users', 'logout', 'exit']) assert.deepEqual(decodeUiAction({ type, room: 'x' }), { type });
    assert.deepEqual(decodeUiAction({ type: 'join', room: 'x' }), { type: 'join', room: 'x' });
  });

  test('refuses anything malformed with a BadActionError', () => {
    const bad: unknown[] = [
      null,
      'login',
      [],
      { type: 'nope' },
      { type: 'toString' },
      { type: '__proto__' },
      { type: 'login', host: 'h', port: 0, username: 'u', password: 'p' },
      { type: 'login', host: 'h', port: 5555.5, username: 'u', password: 'p' },
      { type: 'login', host: 'h'.repeat(300), port: 1, username: 'u', password: 'p' },
      { type: 'send', ref: -1, room: 'r', body: 'b' },
      { type: 'send', ref: 1, room: 'r', body: 'b'.repeat(70_000) },
      { type: 'send', ref: 1, room: 5, body: 'b' },
      { type: 'history', room: 'r', limit: 500 },
      { type: 'join' },
    ];
    for (const raw of bad) assert.throws(() => decodeUiAction(raw), BadActionError, JSON.stringify(raw)?.slice(0, 60));
  });
});

/**
 * libwebview-nodejs 0.1.0 (webview.h, detail::json_escape) escapes a binding
 * result byte by byte, treating 0x80–0x9F as control characters. This is that
 * function, to show what reaches the page.
 */
function webviewJsonEscape(text: string): Buffer {
  const out: number[] = [0x22];
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x22 || byte === 0x5c) out.push(0x5c, byte);
    else if (byte <= 0x1f || (byte >= 0x7f && byte <= 0x9f)) out.push(...Buffer.from(`\\u00${byte.toString(16).padStart(2, '0')}`));
    else out.push(byte);
  }
  out.push(0x22);
  return Buffer.from(out);
}

/** What the page's JSON.parse(result) gives, or undefined when WebKit would not even decode the script. */
function throughWebview(json: string): unknown {
  const literal = webviewJsonEscape(json);
  const decoded = new TextDecoder('utf-8', { fatal: true });
  let source: string;
  try {
    source = decoded.decode(literal);
  } catch {
    return undefined; // invalid UTF-8: the page's promise never settles
  }
  try {
    return JSON.parse(JSON.parse(source) as string);
  } catch {
    return undefined;
  }
}

describe('asciiJson', () => {
  test('plain JSON with "—", "✓" or an emoji does not survive webview.h; asciiJson does', () => {
    for (const text of ['—', '✓', '🎉', 'ü']) {
      assert.deepEqual(throughWebview(asciiJson([{ body: text }])), [{ body: text }], text);
    }
    assert.equal(throughWebview(JSON.stringify(['—'])), undefined, 'the bug this works around');
    assert.equal(throughWebview(JSON.stringify(['🎉'])), undefined);
  });

  test('output is printable ASCII and parses back to the same value', () => {
    const value = { s: 'a\u0000b\u007f\u0085\u2028\u2029\ud83c\udf89\ud800 "q" \\ </script>', n: [1, null, true] };
    const text = asciiJson(value);
    assert.match(text, /^[\x20-\x7e]*$/);
    assert.deepEqual(JSON.parse(text), value);
    assert.equal(asciiJson(undefined), 'null');
  });

  test('every string of the Big List of Naughty Strings survives the round trip', { skip: existsSync(BLNS_PATH) ? false : `no corpus at ${BLNS_PATH} (set SECURECHAT_BLNS)` }, () => {
    const strings = (JSON.parse(readFileSync(BLNS_PATH, 'utf8')) as unknown[]).filter((s): s is string => typeof s === 'string');
    assert.ok(strings.length > 400);
    for (const text of strings) assert.deepEqual(throughWebview(asciiJson({ body: text })), { body: text });
  });
});
