// Small Unicode helpers shared by the name and password rules.

/** A UTF-16 surrogate that is not half of a pair (with the u flag, pairs are one code point). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** Number of code points (what a user calls characters, near enough). */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

const SHOWABLE = /^[\p{L}\p{N}\p{P}\p{S}]$/u;

/**
 * Names a character for an error message: `"😀" (U+1F600)` when it is
 * visible on its own, only `U+202E` when it is a control, format, space,
 * mark or unassigned code point, so a reason never carries such a
 * character into a terminal or a log.
 */
export function describeCodePoint(char: string): string {
  const codePoint = char.codePointAt(0) ?? 0;
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  return SHOWABLE.test(char) ? `"${char}" (${hex})` : hex;
}
