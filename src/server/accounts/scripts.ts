// Which writing systems a name may use, so that a name cannot imitate another
// by mixing look-alike letters from two scripts ("pаypal" with a Cyrillic а).
//
// The scripts are the "Recommended" ones of UAX #31 (Table 5, scripts in
// modern customary use). A name must fit one *profile*: a single script, or
// one of the three CJK combinations that UTS #39 §5.1 lists as normal writing
// (Japanese: Han + Hiragana + Katakana; Chinese: Han + Bopomofo; Korean:
// Han + Hangul). This is stricter than UTS #39 "Highly Restrictive", which
// would also let Latin join the CJK combinations: we refuse "Taro山田".
//
// Membership is tested with Script_Extensions (\p{scx=…}), so characters that
// several scripts share (the Japanese long-vowel mark ー, Arabic-Indic digits)
// fit every script that uses them. Characters whose only script is Common
// fit every profile (ASCII digits, `_`, `-`, `.`); letters among them are
// refused by the caller (they are modifier letters that look like quotes,
// colons and accents: ʹ ʻ ː ˈ).

const RECOMMENDED_SCRIPTS = [
  'Arabic', 'Armenian', 'Bengali', 'Bopomofo', 'Cyrillic', 'Devanagari', 'Ethiopic',
  'Georgian', 'Greek', 'Gujarati', 'Gurmukhi', 'Han', 'Hangul', 'Hebrew', 'Hiragana',
  'Kannada', 'Katakana', 'Khmer', 'Lao', 'Latin', 'Malayalam', 'Myanmar', 'Oriya',
  'Sinhala', 'Tamil', 'Telugu', 'Thaana', 'Thai', 'Tibetan',
] as const;

export type ScriptName = (typeof RECOMMENDED_SCRIPTS)[number];

/**
 * Scripts whose words are written with combining vowel signs, viramas and
 * tone marks (abugidas, abjads with points, Thai and its neighbours). Only
 * in these may a name carry combining marks, and only marks of that script
 * itself (Script, not Script_Extensions: the generic accents U+0300… are
 * Script=Inherited and stay refused). Latin, Greek and Cyrillic need none
 * after NFKC, which composes every accented letter that has a code point.
 */
const MARK_SCRIPTS: ReadonlySet<ScriptName> = new Set<ScriptName>([
  'Arabic', 'Bengali', 'Devanagari', 'Gujarati', 'Gurmukhi', 'Hebrew', 'Kannada', 'Khmer',
  'Lao', 'Malayalam', 'Myanmar', 'Oriya', 'Sinhala', 'Tamil', 'Telugu', 'Thaana', 'Thai',
  'Tibetan',
]);

const PROFILES: readonly (readonly ScriptName[])[] = [
  ...RECOMMENDED_SCRIPTS.map((script) => [script]),
  ['Han', 'Hiragana', 'Katakana'],
  ['Han', 'Bopomofo'],
  ['Han', 'Hangul'],
];

const SCX = new Map<ScriptName, RegExp>(
  RECOMMENDED_SCRIPTS.map((script) => [script, new RegExp(`^\\p{scx=${script}}$`, 'u')]),
);
const SC = new Map<ScriptName, RegExp>(
  RECOMMENDED_SCRIPTS.map((script) => [script, new RegExp(`^\\p{sc=${script}}$`, 'u')]),
);
const ONLY_COMMON = /^\p{scx=Common}$/u;

/** The recommended scripts whose Script_Extensions include the character. */
function scriptsOf(char: string): ScriptName[] {
  return RECOMMENDED_SCRIPTS.filter((script) => SCX.get(script)!.test(char));
}

/** The Script property of a character, when it is one of ours. */
export function primaryScript(char: string): ScriptName | undefined {
  return RECOMMENDED_SCRIPTS.find((script) => SC.get(script)!.test(char));
}

/** A combining mark that belongs to one of the scripts written with marks. */
export function isScriptMark(char: string): boolean {
  const script = primaryScript(char);
  return script !== undefined && MARK_SCRIPTS.has(script);
}

/** True for characters that belong to no script in particular (digits, punctuation). */
export function isCommonOnly(char: string): boolean {
  return ONLY_COMMON.test(char);
}

export type ScriptCheck =
  | { ok: true }
  | { ok: false; problem: 'unsupported'; codePoint: number }
  /** `scripts`: the scripts seen up to and including the first one that did not fit. */
  | { ok: false; problem: 'mixed'; scripts: ScriptName[] };

/**
 * Checks that every character with a script (letters, script digits, script
 * marks) fits one common profile. Characters of Common script only are skipped.
 */
export function checkSingleScript(chars: readonly string[]): ScriptCheck {
  let profiles: readonly (readonly ScriptName[])[] = PROFILES;
  const seen: ScriptName[] = [];
  for (const char of chars) {
    if (isCommonOnly(char)) continue;
    const own = scriptsOf(char);
    if (own.length === 0) return { ok: false, problem: 'unsupported', codePoint: char.codePointAt(0)! };
    const script = primaryScript(char) ?? own[0]!;
    if (!seen.includes(script)) seen.push(script);
    profiles = profiles.filter((profile) => profile.some((s) => own.includes(s)));
    if (profiles.length === 0) return { ok: false, problem: 'mixed', scripts: seen };
  }
  return { ok: true };
}
