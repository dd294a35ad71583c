// Colours of the terminal client: own lines green, others' blue, server
// notices yellow, errors red. Off when NO_COLOR is set (https://no-color.org),
// when the output is not a terminal (pipes, files, scripts) or TERM=dumb.

import type { Env } from '../../config/paths.ts';

export type Role = 'own' | 'other' | 'notice' | 'error' | 'dim' | 'bold';

// SGR codes (ECMA-48 §8.3.117). Bright blue, since plain blue is hard to read on a dark background.
const SGR: Record<Role, string> = {
  own: '32',
  other: '94',
  notice: '33',
  error: '31',
  dim: '2',
  bold: '1',
};

export function colourWanted(stream: { isTTY?: boolean }, env: Env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export type Paint = (role: Role, text: string) => string;

export function painter(enabled: boolean): Paint {
  return enabled ? (role, text) => `\x1b[${SGR[role]}m${text}\x1b[0m` : (_role, text) => text;
}
