// What a line typed at the chat prompt means. A leading "/" starts a
// command; "//" escapes it, so "//shrug" sends "/shrug". Anything else is a
// message to the current room.

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
