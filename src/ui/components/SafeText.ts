// Text from other people (names, message bodies) with its bidi controls made
// visible and inert: each one is shown as a muted escape ("\u202e") instead
// of reordering the text around it. Everything stays a text node.

import { html } from 'htm/preact';
import { splitBidiControls } from '../format.ts';

export function SafeText({ text }: { text: string }) {
  const parts = splitBidiControls(text);
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  return parts.map((part) =>
    typeof part === 'string' ? part : html`<span class="bidi-control" title="A text-direction control character, shown instead of obeyed">${part.control}</span>`,
  );
}
