// The slash commands of the terminal client, one entry each: its arguments,
// its help line and what it does. Argument counts are checked here, in one
// place, before a handler runs.

import { MAX_HISTORY_PAGE } from '../../net/schema.ts';
import type { ChatMessage, RoomInfo } from '../../net/schema.ts';

/** What a command may use of the running session. */
export interface CommandContext {
  readonly room: string;
  switchRoom(room: string): void;
  notice(text: string): void;
  error(text: string): void;
  showMessages(messages: readonly ChatMessage[]): void;
  help(): void;
  end(how: 'logout' | 'quit'): void;
  readonly client: {
    users(): Promise<string[]>;
    join(room: string): Promise<{ room: RoomInfo; history: ChatMessage[] }>;
    leave(room: string): Promise<void>;
    rooms(): Promise<RoomInfo[]>;
    history(room: string, page: { limit?: number }): Promise<{ messages: ChatMessage[]; more: boolean }>;
  };
}

export interface SlashCommand {
  name: string;
  /** Argument synopsis for help and usage errors, e.g. "ROOM" or "[n]". */
  args: string;
  minArgs: number;
  maxArgs: number;
  help: string;
  run(ctx: CommandContext, args: string[]): Promise<void> | void;
}

export const DEFAULT_HISTORY = 20;

export const COMMANDS: readonly SlashCommand[] = [
  {
    name: 'help',
    args: '',
    minArgs: 0,
    maxArgs: 1,
    help: 'list the commands',
    run: (ctx) => ctx.help(),
  },
  {
    name: 'users',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    help: 'who is online',
    async run(ctx) {
      const online = await ctx.client.users();
      ctx.notice(`online (${online.length}): ${online.join(', ')}`);
    },
  },
  {
    name: 'join',
    args: 'ROOM',
    minArgs: 1,
    maxArgs: 1,
    help: 'join a room (created if new) and talk there',
    async run(ctx, [room = '']) {
      const joined = await ctx.client.join(room);
      ctx.switchRoom(joined.room.name);
      ctx.notice(`now in ${joined.room.name} (${plural(joined.room.members, 'member')})`);
      ctx.showMessages(joined.history);
    },
  },
  {
    name: 'leave',
    args: '[ROOM]',
    minArgs: 0,
    maxArgs: 1,
    help: 'leave the current room (or ROOM) and go back to general',
    async run(ctx, [room = ctx.room]) {
      await ctx.client.leave(room);
      ctx.notice(`left ${room}`);
      if (room.toLowerCase() === ctx.room.toLowerCase()) ctx.switchRoom('general');
    },
  },
  {
    name: 'rooms',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    help: 'list the rooms',
    async run(ctx) {
      const rooms = await ctx.client.rooms();
      if (rooms.length === 0) return ctx.notice('no rooms');
      const width = Math.max(...rooms.map((room) => room.name.length));
      ctx.notice('rooms:');
      for (const room of rooms) {
        const here = room.name === ctx.room ? ' <- here' : '';
        ctx.notice(`  ${room.name.padEnd(width)}  ${plural(room.members, 'member')}${room.joined ? ', joined' : ''}${here}`);
      }
    },
  },
  {
    name: 'history',
    args: '[n]',
    minArgs: 0,
    maxArgs: 1,
    help: `show the last n messages of this room (default ${DEFAULT_HISTORY}, at most ${MAX_HISTORY_PAGE})`,
    async run(ctx, [count]) {
      const limit = count === undefined ? DEFAULT_HISTORY : Number(count);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_PAGE) {
        return ctx.error(`/history takes a number from 1 to ${MAX_HISTORY_PAGE}`);
      }
      const page = await ctx.client.history(ctx.room, { limit });
      ctx.notice(`last ${plural(page.messages.length, 'message')} in ${ctx.room}${page.more ? ' (older ones exist)' : ''}:`);
      ctx.showMessages(page.messages);
    },
  },
  {
    name: 'logout',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    help: 'log out and return to the login prompt (to switch user)',
    run: (ctx) => ctx.end('logout'),
  },
  {
    name: 'quit',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    help: 'log out and leave (also Ctrl-D)',
    run: (ctx) => ctx.end('quit'),
  },
];

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function findCommand(name: string): SlashCommand | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export function synopsis(command: SlashCommand): string {
  return command.args === '' ? `/${command.name}` : `/${command.name} ${command.args}`;
}

export function helpLines(): string[] {
  const width = Math.max(...COMMANDS.map((command) => synopsis(command).length));
  return [
    ...COMMANDS.map((command) => `${synopsis(command).padEnd(width)}  ${command.help}`),
    `${'//text'.padEnd(width)}  send a line that starts with "/"`,
  ];
}

export type Dispatch =
  | { ok: true; command: SlashCommand; args: string[] }
  | { ok: false; error: string };

/** Finds the command and checks its argument count; the error text is ready to print. */
export function resolveCommand(name: string, args: string[]): Dispatch {
  const command = findCommand(name);
  if (command === undefined) {
    return { ok: false, error: `unknown command /${name}: /help lists the commands (type //${name} to send it as text)` };
  }
  if (args.length < command.minArgs || args.length > command.maxArgs) {
    return { ok: false, error: `usage: ${synopsis(command)}` };
  }
  return { ok: true, command, args };
}
