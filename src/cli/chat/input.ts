// What a line typed at the chat prompt means. A leading "/" starts a
// command; "//" escapes it, so "//shrug" sends "/shrug". Anything else is a
// message to the current room.

import { MAX_BODY_BYTES } from '../../net/limits.ts';

export type Input =
  | { kind: 'empty' }
  | { kind: 'message'; text: string }
  | { kind: 'command'; name: string; args: string[] };

export function parseInput(line: string): Input {
  if (line.trim() === '') return { kind: 'empty' };
  if (line.startsWith('//')) return { kind: 'message', text: line.slice(1) };
  if (line.startsWith('/')) {
    const [name = '', ...args] = line.slice(1).trim().split(/\s+/);
    return { kind: 'command', name: name.toLowerCase(), args };
  }
  return { kind: 'message', text: line };
}

/**
 * Why the server would certainly refuse this message body (its own rules:
 * nothing but white space, or over MAX_BODY_BYTES UTF-8 bytes), in the
 * library's words; undefined when it may be sent.
 */
export function bodyProblem(text: string): string | undefined {
  if (text.trim() === '') return 'the message is empty';
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_BODY_BYTES) return `the message is ${bytes} bytes; the limit is ${MAX_BODY_BYTES}`;
  return undefined;
}
