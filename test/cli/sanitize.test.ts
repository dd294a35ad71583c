// Nothing a server sends can drive the terminal: every control character,
// escape sequence introducer and bidi override is shown escaped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { neutralise } from '../../src/cli/chat/sanitize.ts';
import { plainMessage, styledMessage } from '../../src/cli/chat/format.ts';
import { painter } from '../../src/cli/chat/style.ts';

describe('neutralise', () => {
  const cases: Array<[string, string, string]> = [
    ['clear screen ESC[2J', 'a\x1b[2Jb', 'a\\x1b[2Jb'],
    ['cursor home ESC[H', '\x1b[H', '\\x1b[H'],
    ['window title OSC ESC]0;…BEL', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
    ['OSC 8 hyperlink with ST', '\x1b]8;;http://x\x1b\\', '\\x1b]8;;http://x\\x1b\\'],
    ['C1 CSI U+009B', '\x9b31mred', '\\x9b31mred'],
    ['C1 OSC U+009D and ST U+009C', '\x9d0;t\x9c', '\\x9d0;t\\x9c'],
    ['DEL', 'a\x7fb', 'a\\x7fb'],
    ['NUL and backspace', '\x00\x08', '\\x00\\x08'],
    ['RIGHT-TO-LEFT OVERRIDE U+202E', 'evil\u202etxt.exe', 'evil\\u202etxt.exe'],
    ['every bidi embedding, override and isolate', '\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069', '\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069'],
    ['bidi marks', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['CR (overwrites a line)', 'safe\rEVIL', 'safe\\rEVIL'],
    ['tab', 'a\tb', 'a\\tb'],
    ['newline, by default', 'one\ntwo', 'one\\ntwo'],
    ['lone surrogate', 'a\ud800b', 'a\\ud800b'],
    ['plain text is untouched', 'naïve café 日本語 🎉 👩‍💻', 'naïve café 日本語 🎉 👩‍💻'],
    ['backslashes are left alone', 'C:\\Users', 'C:\\Users'],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => {
      const output = neutralise(input);
      assert.equal(output, expected);
      assert.doesNotMatch(output, /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    });
  }

  test('newlines can become indented continuation lines, which cannot pass for new messages', () => {
    assert.equal(neutralise('a\nb\r\nc', { newline: { indent: '    ' } }), 'a\n    b\n    c');
    assert.equal(neutralise('a\x1b[2J\nb', { newline: { indent: '  ' } }), 'a\\x1b[2J\n  b');
  });
});

describe('message lines', () => {
  test('scripted form is one line "[HH:MM:SS] name: text", names neutralised too', () => {
    const ts = new Date(2024, 0, 2, 3, 4, 5).getTime();
    assert.equal(plainMessage({ ts, from: 'alice', body: 'hello' }), '[03:04:05] alice: hello');
    assert.equal(plainMessage({ ts, from: 'ev\x1b[1mil', body: 'x\ny' }), '[03:04:05] ev\\x1b[1mil: x\\ny');
  });

  test('styled form: colours only from us, none from the message', () => {
    const ts = new Date(2024, 0, 2, 3, 4, 5).getTime();
    const line = styledMessage({ ts, from: 'bob', body: '\x1b[31mred\x1b[0m' }, { own: false }, painter(true));
    const ours = line.match(/\x1b\[[0-9;]*m/g) ?? [];
    assert.deepEqual(ours, ['\x1b[2m', '\x1b[0m', '\x1b[94m', '\x1b[0m']);
    assert.equal(styledMessage({ ts, from: 'me', body: 'x' }, { own: true }, painter(false)), '[03:04:05] me: x');
  });
});
