// Usernames and room names: what is accepted, what is refused and why, and
// which names share a uniqueness key.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateRoomName, validateUsername } from '../../src/server/accounts/index.ts';

const VALID: [input: string, name: string, key: string][] = [
  ['alice', 'alice', 'alice'],
  ['Alice_Smith-2.0', 'Alice_Smith-2.0', 'alice_smith-2.0'],
  ['Zoë', 'Zoë', 'zoë'],
  ['Zoe\u0308', 'Zoë', 'zoë'], // decomposed ë is composed by NFKC
  ['山田太郎', '山田太郎', '山田太郎'],
  ['ヤマダ', 'ヤマダ', 'ヤマダ'],
  ['やまだ太郎', 'やまだ太郎', 'やまだ太郎'], // Hiragana + Han: the Japanese profile
  ['ラーメン', 'ラーメン', 'ラーメン'], // ー is Common, shared by Hiragana and Katakana
  ['ｶﾀｶﾅ', 'カタカナ', 'カタカナ'], // halfwidth Katakana
  ['한국어', '한국어', '한국어'],
  ['Ωμέγα', 'Ωμέγα', 'ωμέγα'],
  ['Дмитрий', 'Дмитрий', 'дмитрий'],
  ['محمد', 'محمد', 'محمد'],
  ['שלום', 'שלום', 'שלום'],
  ['राम', 'राम', 'राम'], // a Devanagari vowel sign after its letter
  ['สมชาย', 'สมชาย', 'สมชาย'],
  ['abc', 'abc', 'abc'],
  ['a'.repeat(32), 'a'.repeat(32), 'a'.repeat(32)],
  ['٣٤٥', '٣٤٥', '٣٤٥'], // Arabic-Indic digits alone
  ['123', '123', '123'],
  ['ﬁsh', 'fish', 'fish'], // ligature ﬁ is split by NFKC
  ['ａｌｉｃｅ', 'alice', 'alice'],
  ['straße', 'straße', 'strasse'],
];

test('valid usernames are accepted, NFKC-normalised, with a case-folded key', () => {
  for (const [input, name, key] of VALID) {
    assert.deepEqual(validateUsername(input), { ok: true, name, key }, JSON.stringify(input));
  }
});

const INVALID: [input: string, why: string, reason: RegExp][] = [
  ['', 'empty', /at least 3 characters/],
  ['ab', 'too short', /at least 3 characters/],
  ['e\u0301x', 'too short once composed', /at least 3 characters/],
  ['a'.repeat(33), 'too long', /at most 32 characters/],
  ['x'.repeat(5000), 'far too long', /at most 32 characters/],
  ['alice smith', 'space', /spaces \(found U\+0020\)/],
  ['alice\u3000smith', 'ideographic space', /spaces/],
  ['alice\u00a0b', 'no-break space', /spaces/],
  ['😀smile', 'emoji', /only letters, digits.*U\+1F600/],
  ['alice!', 'punctuation outside the set', /only letters, digits/],
  ['a@b.com', 'at sign', /only letters, digits/],
  ['pаypal', 'Latin with a Cyrillic а', /different writing systems \(Latin and Cyrillic\)/],
  ['раypal', 'Cyrillic р and а with Latin', /different writing systems \(Cyrillic and Latin\)/],
  ['Ωmega', 'Greek Ω with Latin', /different writing systems \(Greek and Latin\)/],
  ['paypa١', 'Latin with an Arabic-Indic digit one', /different writing systems/],
  ['Taro山田', 'Latin with Han', /different writing systems/],
  ['한국ヤマダ', 'Hangul with Katakana', /different writing systems/],
  ['al\u200dice', 'zero-width joiner', /invisible formatting characters.*U\+200D/],
  ['al\u200bice', 'zero-width space', /invisible formatting characters.*U\+200B/],
  ['alice\u202etxt', 'right-to-left override', /invisible formatting characters.*U\+202E/],
  ['\ufeffalice', 'byte order mark', /invisible formatting/],
  ['ali\u0000ce', 'NUL', /control characters \(found U\+0000\)/],
  ['alice\n', 'newline', /control characters/],
  ['ali\u001bce', 'escape', /control characters/],
  ['ali\ud800ce', 'lone high surrogate', /unpaired UTF-16 surrogate/],
  ['alice\udc00', 'lone low surrogate', /unpaired UTF-16 surrogate/],
  ['x\u0301yz', 'combining accent with no precomposed form', /combining accents or marks.*U\+0301/],
  ['Z\u0335algo', 'combining overlay', /combining accents or marks/],
  ['abc\u0308\u0308', 'stacked marks', /combining/],
  ['\u093eराम', 'vowel sign at the start', /does not follow a letter/],
  ['र\u093e\u093e\u093e', 'the same vowel sign twice', /too many marks/],
  ['ʻokina', 'modifier letter that looks like a quote', /modifier letters/],
  ['aːb', 'modifier letter triangular colon', /modifier letters/],
  ['_alice', 'leading punctuation', /start with a letter or a digit/],
  ['alice.', 'trailing punctuation', /end with a letter or a digit/],
  ['al__ice', 'double punctuation', /two of "_", "-" and "." in a row/],
  ['al.-ice', 'mixed double punctuation', /in a row/],
  ['...', 'only punctuation', /start with a letter/],
  ['ⲁⲃⲅ', 'Coptic: a script not in use for names', /writing system that is not supported/],
];

test('invalid usernames are refused with a reason that names the rule', () => {
  for (const [input, why, reason] of INVALID) {
    const result = validateUsername(input);
    assert.equal(result.ok, false, `${why}: ${JSON.stringify(input)} was accepted`);
    if (!result.ok) {
      assert.match(result.reason, reason, why);
      assert.doesNotMatch(result.reason, /[\p{Cc}\p{Cf}\p{Cs}]/u, `${why}: reason carries an invisible character`);
      assert.match(result.reason, /^The username /, why);
    }
  }
});

test('case and width variants share one key', () => {
  const groups = [
    ['Alice', 'ALICE', 'alice', 'ａｌｉｃｅ', 'ＡＬＩＣＥ', 'aLiCe'],
    ['straße', 'STRASSE', 'strasse', 'Strasse'],
    ['ΟΔΟΣ', 'οδος', 'οδοσ', 'Οδος'],
    ['ﬀoo', 'ffoo', 'FFOO'],
    ['Ⅻab', 'xiiab', 'XIIAB'],
  ];
  for (const group of groups) {
    const keys = new Set(
      group.map((input) => {
        const result = validateUsername(input);
        assert.ok(result.ok, `${input} should be valid`);
        return result.key;
      }),
    );
    assert.equal(keys.size, 1, `${group.join(', ')} should share a key, got ${[...keys].join(', ')}`);
  }
});

test('distinct names keep distinct keys', () => {
  const names = ['alice', 'alice1', 'a.lice', 'al-ice', 'bob', 'zoe', 'zoë'];
  const keys = names.map((name) => {
    const result = validateUsername(name);
    assert.ok(result.ok);
    return result.key;
  });
  assert.equal(new Set(keys).size, names.length);
});

test('the key of a valid name is itself stable under validation', () => {
  for (const [input] of VALID) {
    const first = validateUsername(input);
    assert.ok(first.ok);
    const again = validateUsername(first.name);
    assert.deepEqual(again, first, `revalidating ${first.name}`);
  }
});

test('room names: 1 to 32 characters, same alphabet, a leading # dropped, case-folded key', () => {
  assert.deepEqual(validateRoomName('#general'), { ok: true, name: 'general', key: 'general' });
  assert.deepEqual(validateRoomName('General'), { ok: true, name: 'General', key: 'general' });
  assert.deepEqual(validateRoomName('＃Ops'), { ok: true, name: 'Ops', key: 'ops' });
  assert.deepEqual(validateRoomName('x'), { ok: true, name: 'x', key: 'x' });
  assert.deepEqual(validateRoomName('#開発'), { ok: true, name: '開発', key: '開発' });
  assert.deepEqual(validateRoomName('r'.repeat(32)), { ok: true, name: 'r'.repeat(32), key: 'r'.repeat(32) });

  const refused: [string, RegExp][] = [
    ['', /must not be empty/],
    ['#', /must not be empty/],
    ['##general', /start with a letter or a digit|only letters/],
    ['r'.repeat(33), /at most 32 characters/],
    ['#team chat', /spaces/],
    ['#déｖ\u200d', /invisible formatting/],
    ['#pаyroll', /different writing systems/],
  ];
  for (const [input, reason] of refused) {
    const result = validateRoomName(input);
    assert.equal(result.ok, false, JSON.stringify(input));
    if (!result.ok) {
      assert.match(result.reason, reason, JSON.stringify(input));
      assert.match(result.reason, /^The room name /);
    }
  }
});
