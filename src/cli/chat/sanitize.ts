// Text from the server (message bodies, names, reasons) is printed to a
// terminal, and a terminal obeys control sequences: ESC[2J clears the
// screen, ESC]0;…BEL retitles the window, a C1 CSI (U+009B) works like ESC[,
// and U+202E reverses the text that follows so that a line can show
// something else than it says. Every such character is shown visibly escaped
// instead, so that no message can move the cursor, change colours, clear the
// screen or pass itself off as another line.
//
// Escapes are written the way a programmer would type them (\x1b, \u202e).
// Backslashes themselves are left alone: "\x1b" typed by a person looks the
// same as an escaped ESC, which is harmless, and keeps ordinary text (paths)
// readable.

export interface NeutraliseOptions {
  /**
   * What to do with line breaks (LF, CRLF): 'escape' shows them as \n, for
   * one-line-per-message output; a string puts a real line break followed by
   * that indent, so that continuation lines can never pass for new messages.
   */
  newline?: 'escape' | { indent: string };
}

const NAMED: ReadonlyMap<number, string> = new Map([
  [0x09, '\\t'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
]);

/** Unicode bidirectional formatting characters (UAX #9): embeddings, overrides, isolates, marks. */
function isBidiControl(cp: number): boolean {
  return (
    (cp >= 0x202a && cp <= 0x202e) || // LRE RLE PDF LRO RLO
    (cp >= 0x2066 && cp <= 0x2069) || // LRI RLI FSI PDI
    cp === 0x200e || // LRM
    cp === 0x200f || // RLM
    cp === 0x061c // ALM
  );
}

function needsEscape(cp: number): boolean {
  return (
    cp < 0x20 || // C0 controls, ESC included
    (cp >= 0x7f && cp <= 0x9f) || // DEL and the C1 controls (U+009B is a one-character CSI)
    isBidiControl(cp) ||
    cp === 0x2028 || // LINE SEPARATOR
    cp === 0x2029 || // PARAGRAPH SEPARATOR
    (cp >= 0xd800 && cp <= 0xdfff) // a lone surrogate: not a character at all
  );
}

function escapeCodePoint(cp: number): string {
  const named = NAMED.get(cp);
  if (named !== undefined) return named;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** Returns `text` with every control character, escape sequence introducer and bidi override made visible and inert. */
export function neutralise(text: string, options: NeutraliseOptions = {}): string {
  const newline = options.newline ?? 'escape';
  let out = '';
  let plainStart = 0;
  // Iterating by UTF-16 unit keeps lone surrogates visible; pairs are copied through.
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a well-formed pair: an ordinary astral character (emoji …)
        continue;
      }
    }
    if (!needsEscape(unit)) continue;
    out += text.slice(plainStart, i);
    if (newline !== 'escape' && (unit === 0x0a || (unit === 0x0d && text.charCodeAt(i + 1) === 0x0a))) {
      if (unit === 0x0d) i++;
      out += `\n${newline.indent}`;
    } else {
      out += escapeCodePoint(unit);
    }
    plainStart = i + 1;
  }
  return plainStart === 0 ? text : out + text.slice(plainStart);
}
