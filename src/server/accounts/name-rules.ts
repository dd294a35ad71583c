// The rules shared by usernames and room names (DESIGN.md, "Accounts and
// sessions"); username.ts holds the two entry points. Decisions taken here:
//
// - Input with an unpaired UTF-16 surrogate is refused before anything else:
//   it has no Unicode meaning and would not survive a UTF-8 round trip.
// - The name is NFKC-normalised, then measured in code points.
// - Allowed: letters (\p{L}), decimal digits (\p{Nd}), `_`, `-`, `.`.
//   Refused with their own reasons: controls, format characters (zero-width
//   joiners, direction overrides), whitespace, and combining marks, except
//   the vowel signs and tone marks of the scripts written with them (see
//   scripts.ts), and then only right after a letter, at most three in a row
//   and never the same mark twice in a row (UTS #39 §5.4).
// - Modifier letters of no script (ʹ ʻ ː ˈ) are refused: they imitate
//   quotes, colons and accents.
// - Punctuation: the name starts and ends with a letter or digit and never
//   has two of `_`, `-`, `.` in a row, so "a_b", "a__b" and "a._b" cannot
//   pose as one another and a name at the end of a sentence ("… ask bob.")
//   stays unambiguous.
// - Every letter, script digit and mark fits one script profile (scripts.ts).
// - The uniqueness key is a case fold of the name: upper then lower case
//   (so ß, SS and ss meet, and ς, σ and Σ meet), NFKC again. Locale-
//   independent: the Turkish dotless ı and I and i all share one key, which
//   is the safe direction (more names collide, none can impersonate).
//
// Not covered: look-alikes within one script ("rn" and "m", "0" and "O",
// "l" and "I"). A confusables skeleton (UTS #39 §4) would be the next step.

import { checkSingleScript, isCommonOnly, isScriptMark, type ScriptName } from './scripts.ts';
import { codePointLength, describeCodePoint, hasLoneSurrogate } from './text.ts';

export type NameResult = { ok: true; name: string; key: string } | { ok: false; reason: string };

export interface NameRules {
  /** "username", "room name": starts every reason. */
  label: string;
  minChars: number;
  maxChars: number;
}

/**
 * Longest raw input looked at. NFKC never removes a character and composes
 * at most four code points into one, so anything longer could not come
 * within any name limit; refusing it first bounds the work.
 */
const MAX_RAW_UTF16 = 1024;

const CONTROL = /^\p{Cc}$/u;
const FORMAT = /^\p{Cf}$/u;
const MARK = /^\p{M}$/u;
const SPACE = /^[\p{White_Space}\p{Z}]$/u;
const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;
const PUNCTUATION = /^[_.-]$/;
const MAX_MARKS_IN_A_ROW = 3;

export function validateName(raw: string, rules: NameRules): NameResult {
  const { label } = rules;
  const Label = label[0]!.toUpperCase() + label.slice(1);
  if (typeof raw !== 'string') return fail(`${Label} must be text.`);
  if (hasLoneSurrogate(raw)) {
    return fail(`${Label} contains invalid text (an unpaired UTF-16 surrogate).`);
  }
  if (raw.length > MAX_RAW_UTF16) return tooLong(Label, rules.maxChars);
  const name = raw.normalize('NFKC');
  const length = codePointLength(name);
  if (length < rules.minChars) {
    return fail(
      rules.minChars === 1
        ? `${Label} must not be empty.`
        : `${Label} must be at least ${rules.minChars} characters long.`,
    );
  }
  if (length > rules.maxChars) return tooLong(Label, rules.maxChars);

  const chars = [...name];
  let previous: 'start' | 'letter' | 'digit' | 'punctuation' | 'mark' = 'start';
  let marksInARow = 0;
  for (const [index, char] of chars.entries()) {
    const what = describeCodePoint(char);
    if (CONTROL.test(char)) return fail(`${Label} must not contain control characters (found ${what}).`);
    if (FORMAT.test(char)) {
      return fail(
        `${Label} must not contain invisible formatting characters such as zero-width joiners or direction overrides (found ${what}).`,
      );
    }
    if (SPACE.test(char)) return fail(`${Label} must not contain spaces (found ${what}).`);
    if (MARK.test(char)) {
      if (!isScriptMark(char)) {
        return fail(`${Label} must not contain combining accents or marks; use the accented letter itself (found ${what}).`);
      }
      if (previous !== 'letter' && previous !== 'mark') {
        return fail(`${Label} has a vowel sign or mark that does not follow a letter (${what}).`);
      }
      if (marksInARow >= MAX_MARKS_IN_A_ROW || (previous === 'mark' && chars[index - 1] === char)) {
        return fail(`${Label} stacks too many marks on one letter (at ${what}).`);
      }
      marksInARow++;
      previous = 'mark';
      continue;
    }
    marksInARow = 0;
    if (LETTER.test(char)) {
      if (isCommonOnly(char)) {
        return fail(`${Label} must not contain modifier letters that look like punctuation (found ${what}).`);
      }
      previous = 'letter';
    } else if (DIGIT.test(char)) {
      previous = 'digit';
    } else if (PUNCTUATION.test(char)) {
      if (previous === 'start') return fail(`${Label} must start with a letter or a digit.`);
      if (previous === 'punctuation') {
        return fail(`${Label} must not have two of "_", "-" and "." in a row.`);
      }
      previous = 'punctuation';
    } else {
      return fail(`${Label} may contain only letters, digits, "_", "-" and "." (found ${what}).`);
    }
  }
  if (previous === 'punctuation') return fail(`${Label} must end with a letter or a digit.`);

  const scripts = checkSingleScript(chars);
  if (!scripts.ok) {
    if (scripts.problem === 'unsupported') {
      const what = describeCodePoint(String.fromCodePoint(scripts.codePoint));
      return fail(`${Label} uses a writing system that is not supported for names (found ${what}).`);
    }
    return fail(
      `${Label} mixes characters from different writing systems (${listScripts(scripts.scripts)}); ` +
        'names must use one, so that they cannot imitate each other.',
    );
  }
  return { ok: true, name, key: nameKey(name) };
}

/**
 * The case-insensitive uniqueness key of an already valid name. Upper then
 * lower case approximates Unicode full case folding without tables; the
 * final-sigma rule of toLowerCase is undone so that every sigma is σ.
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFKC');
}

function listScripts(scripts: readonly ScriptName[]): string {
  if (scripts.length < 2) return `${scripts[0] ?? 'unknown'} with others`;
  return `${scripts.slice(0, -1).join(', ')} and ${scripts.at(-1)!}`;
}

function tooLong(Label: string, maxChars: number): NameResult {
  return fail(`${Label} must be at most ${maxChars} characters long.`);
}

function fail(reason: string): NameResult {
  return { ok: false, reason };
}
