// The window's rules for showing control characters (src/ui/control-chars.ts),
// and that they agree with the terminal client's (src/cli/chat/sanitize.ts).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { neutralise } from '../../src/cli/chat/sanitize.ts';
import { escapeControl, showControls, splitControls } from '../../src/ui/control-chars.ts';

describe('control characters in names and bodies', () => {
  test('ESC, BEL, NUL, DEL, CR and the C1 controls are escaped as the terminal writes them; tab and line feed are kept', () => {
    assert.equal(showControls('a\x1b[2Jb\x07c'), 'a\\x1b[2Jb\\x07c');
    assert.equal(showControls('\x00\x7f\x80\x9b\x9f'), '\\x00\\x7f\\x80\\x9b\\x9f');
    assert.equal(showControls('one\r\ntwo'), 'one\\r\ntwo');
    assert.equal(showControls('col1\tcol2\nline 2'), 'col1\tcol2\nline 2');
    assert.equal(escapeControl('\x1b'), '\\x1b');
    assert.equal(escapeControl('\u202e'), '\\u202e');
  });

  test('bidi controls are escaped as before', () => {
    assert.equal(showControls('x\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061cy'), 'x\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061cy');
  });

  test('everything else is exact: emoji, other scripts, typed backslashes, NBSP, zero-width joiners', () => {
    for (const text of ['🎉 👩‍👩‍👧 ✓ —', 'שלום עולם', '日本語', 'C:\\x1b\\new', '\u00a0\u00ad\u200d', 'a\u2028b', '']) {
      assert.equal(showControls(text), text);
      assert.deepEqual(splitControls(text), [text]);
    }
  });

  test('splitControls keeps the escapes apart from the text, with their kind', () => {
    assert.deepEqual(splitControls('\x1bhi\u202e\x07'), [
      { control: '\\x1b', kind: 'control' },
      'hi',
      { control: '\\u202e', kind: 'bidi' },
      { control: '\\x07', kind: 'control' },
    ]);
    assert.deepEqual(splitControls('a\x1b'), ['a', { control: '\\x1b', kind: 'control' }]);
  });

  test('the same characters as the terminal client escapes, written the same way (but tab and line feed, and U+2028/U+2029 which the window shows as line breaks)', () => {
    const windowKeeps = new Set([0x09, 0x0a, 0x2028, 0x2029]);
    for (let unit = 0; unit <= 0xffff; unit++) {
      if (unit >= 0xd800 && unit <= 0xdfff) continue; // lone surrogates: the terminal escapes them; the window draws U+FFFD (not a control character)
      const char = String.fromCharCode(unit);
      const terminal = neutralise(char);
      const shown = showControls(char);
      if (windowKeeps.has(unit)) assert.equal(shown, char, `U+${unit.toString(16)}`);
      else assert.equal(shown, terminal, `U+${unit.toString(16).padStart(4, '0')}`);
    }
  });
});
