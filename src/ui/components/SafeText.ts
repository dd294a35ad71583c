// Text from other people (names, message bodies) with its control characters
// made visible and inert: each C0/C1 control (ESC, BEL …, not tab or line
// feed) and each bidi control is shown as a muted escape ("\x1b", "\u202e")
// instead of an empty box, or of reordering the text around it. Everything
// stays a text node.

import { html } from 'htm/preact';
import { splitControls } from '../control-chars.ts';

const TITLE = {
  control: 'A control character, shown instead of obeyed',
  bidi: 'A text-direction control character, shown instead of obeyed',
} as const;

export function SafeText({ text }: { text: string }) {
  const parts = splitControls(text);
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  // One look for both kinds: the muted escape style of .bidi-control (assets/style.css; named
  // when only bidi controls were escaped). data-control says which kind.
  return parts.map((part) =>
    typeof part === 'string' ? part : html`<span class="bidi-control" data-control=${part.kind} title=${TITLE[part.kind]}>${part.control}</span>`,
  );
}
