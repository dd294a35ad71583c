// Slash commands typed in the input, the same set as the terminal client's.
// One table: it drives the parser, /help and Help → Commands.

export type Command =
  | { name: 'help' }
  | { name: 'users' }
  | { name: 'rooms' }
  | { name: 'join'; room: string }
  | { name: 'leave'; room?: string }
  | { name: 'history'; limit: number }
  | { name: 'logout' }
  | { name: 'quit' };

export interface CommandSpec {
  name: Command['name'];
  usage: string;
  summary: string;
}

export const DEFAULT_HISTORY = 20;
/** The server's largest history page (MAX_HISTORY_PAGE in src/net/schema.ts). */
export const MAX_HISTORY = 200;

export const COMMANDS: readonly CommandSpec[] = [
  { name: 'help', usage: '/help', summary: 'List the commands' },
  { name: 'users', usage: '/users', summary: 'Show who is online' },
  { name: 'rooms', usage: '/rooms', summary: 'List the rooms on the server' },
  { name: 'join', usage: '/join ROOM', summary: 'Join a room (created if new) and switch to it' },
  { name: 'leave', usage: '/leave [ROOM]', summary: 'Leave a room, the current one by default (#general cannot be left)' },
  { name: 'history', usage: '/history [N]', summary: `Add up to N earlier messages above the oldest one shown (default ${DEFAULT_HISTORY}, at most ${MAX_HISTORY})` },
  { name: 'logout', usage: '/logout', summary: 'Log out and go back to the login panel (switch user)' },
  { name: 'quit', usage: '/quit', summary: 'Log out and close the window' },
];

export type Input = { kind: 'text'; body: string } | { kind: 'command'; command: Command } | { kind: 'error'; message: string } | { kind: 'empty' };

/** A room name as typed: "#sales" and "sales" are the same room. */
export function roomArgument(text: string): string {
  return text.trim().replace(/^#/, '');
}

/**
 * Reads what the user typed. A line starting with "/" is a command; "//"
 * sends the rest as text starting with "/". Whitespace-only input is empty.
 */
export function parseInput(text: string): Input {
  if (text.trim() === '') return { kind: 'empty' };
  if (!text.startsWith('/')) return { kind: 'text', body: text };
  if (text.startsWith('//')) return { kind: 'text', body: text.slice(1) };
  const [word = '', ...rest] = text.slice(1).trim().split(/\s+/);
  const name = word.toLowerCase();
  const spec = COMMANDS.find((command) => command.name === name);
  if (!spec) return { kind: 'error', message: `Unknown command /${word}. Type /help for the list (or // to send a line starting with /).` };
  const argument = roomArgument(rest.join(' '));
  switch (spec.name) {
    case 'join':
      if (argument === '' || rest.length > 1) return { kind: 'error', message: 'Usage: /join ROOM' };
      return { kind: 'command', command: { name: 'join', room: argument } };
    case 'leave':
      if (rest.length > 1) return { kind: 'error', message: `Usage: ${spec.usage}` };
      return { kind: 'command', command: argument === '' ? { name: 'leave' } : { name: 'leave', room: argument } };
    case 'help':
      return { kind: 'command', command: { name: 'help' } }; // "/help join" is fine too
    case 'history': {
      if (argument === '') return { kind: 'command', command: { name: 'history', limit: DEFAULT_HISTORY } };
      const limit = Number(argument);
      if (!/^\d+$/.test(argument) || limit < 1 || limit > MAX_HISTORY) return { kind: 'error', message: `/history takes a number from 1 to ${MAX_HISTORY}` };
      return { kind: 'command', command: { name: 'history', limit } };
    }
    default:
      if (argument !== '') return { kind: 'error', message: `Usage: ${spec.usage}` };
      return { kind: 'command', command: { name: spec.name } as Command };
  }
}

/** The text /help prints in the log. */
export function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.usage.length));
  return ['Commands:', ...COMMANDS.map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`), '  //text' + ' '.repeat(Math.max(1, width - 4)) + '  Send a line that starts with /'].join('\n');
}
