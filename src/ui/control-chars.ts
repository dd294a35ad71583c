// Characters in other people's text (names, message bodies) that the window
// shows as escapes instead of obeying or drawing them:
// - the C0 and C1 control characters and DEL (ESC, BEL, a one-character CSI
//   U+009B …): a browser draws them as empty boxes or nothing at all, which
//   hides what was sent; tab and line feed are kept (multi-line messages);
// - the Unicode bidirectional formatting characters (UAX #9): embeddings and
//   overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the marks U+200E,
//   U+200F, U+061C. Obeyed, U+202E makes "abc" read "cba".
// Escapes are written as the terminal client writes them
// (src/cli/chat/sanitize.ts): "\x1b", "\r", "\u202e". Everything else is
// shown exactly as sent.
//
// Not shared with the terminal's sanitize.ts on purpose: that module exports
// only neutralise(), which returns one string (the window needs the escapes
// apart from the text, to show them muted and to tell them from a "\x1b" a
// person typed) and escapes tab and line feed, which the window keeps.
// test/ui/control-chars.test.ts checks that both escape the same characters.

const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A C0/C1 control or DEL (not a bidi control). */
function isC0C1(unit: number): boolean {
  return unit < 0x20 || (unit >= 0x7f && unit <= 0x9f);
}

/** A control character written the way a programmer would type it: "\x1b", "\r", "\u202e". */
export function escapeControl(char: string): string {
  const unit = char.charCodeAt(0);
  if (unit === 0x0d) return '\\r';
  return unit <= 0xff ? `\\x${unit.toString(16).padStart(2, '0')}` : `\\u${unit.toString(16).padStart(4, '0')}`;
}

export type TextPart = string | { control: string; kind: 'control' | 'bidi' };

/** Splits `text` into plain runs (strings) and control characters to show visibly ({ control: "\x1b", kind: 'control' }). */
export function splitControls(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let start = 0;
  for (const match of text.matchAll(CONTROLS)) {
    if (match.index > start) parts.push(text.slice(start, match.index));
    parts.push({ control: escapeControl(match[0]), kind: isC0C1(match[0].charCodeAt(0)) ? 'control' : 'bidi' });
    start = match.index + 1;
  }
  if (start < text.length || parts.length === 0) parts.push(text.slice(start));
  return parts;
}

/** What a text looks like on screen once its control characters are shown as escapes. */
export function showControls(text: string): string {
  return text.replace(CONTROLS, escapeControl);
}
