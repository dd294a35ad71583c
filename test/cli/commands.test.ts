// Reading what was typed at the chat prompt, and the slash command table.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMMANDS, helpLines, resolveCommand, type CommandContext } from '../../src/cli/chat/commands.ts';
import { parseInput } from '../../src/cli/chat/input.ts';
import { colourWanted } from '../../src/cli/chat/style.ts';

describe('parseInput', () => {
  const cases: Array<[string, ReturnType<typeof parseInput>]> = [
    ['hello', { kind: 'message', text: 'hello' }],
    ['  spaced  ', { kind: 'message', text: '  spaced  ' }],
    ['', { kind: 'empty' }],
    ['   ', { kind: 'empty' }],
    ['/help', { kind: 'command', name: 'help', args: [] }],
    ['/JOIN  dev ', { kind: 'command', name: 'join', args: ['dev'] }],
    ['/history 5', { kind: 'command', name: 'history', args: ['5'] }],
    ['//shrug', { kind: 'message', text: '/shrug' }],
    ['//', { kind: 'message', text: '/' }],
    ['/', { kind: 'command', name: '', args: [] }],
    ['a /not a command', { kind: 'message', text: 'a /not a command' }],
  ];
  for (const [line, expected] of cases) {
    test(JSON.stringify(line), () => assert.deepEqual(parseInput(line), expected));
  }
});

describe('slash commands', () => {
  test('the table has every command the issue asks for, each with help', () => {
    const names = COMMANDS.map((command) => command.name);
    for (const name of ['help', 'users', 'join', 'leave', 'rooms', 'history', 'logout', 'quit']) {
      assert.ok(names.includes(name), name);
    }
    assert.ok(COMMANDS.every((command) => command.help.length > 0));
    assert.equal(helpLines().length, COMMANDS.length + 1);
  });

  test('argument counts are checked before a handler runs', () => {
    assert.deepEqual(resolveCommand('join', []), { ok: false, error: 'usage: /join ROOM' });
    assert.deepEqual(resolveCommand('join', ['a', 'b']), { ok: false, error: 'usage: /join ROOM' });
    assert.deepEqual(resolveCommand('users', ['x']), { ok: false, error: 'usage: /users' });
    const join = resolveCommand('join', ['dev']);
    assert.ok(join.ok && join.command.name === 'join');
  });

  test('an unknown command points to /help', () => {
    const result = resolveCommand('frobnicate', []);
    assert.ok(!result.ok && /unknown command \/frobnicate: \/help/.test(result.error));
  });

  test('/history checks its number; /leave goes back to general', async () => {
    const seen: string[] = [];
    let room = 'dev';
    const ctx: CommandContext = {
      get room() {
        return room;
      },
      switchRoom: (next) => {
        room = next;
      },
      notice: (text) => seen.push(`notice ${text}`),
      error: (text) => seen.push(`error ${text}`),
      showMessages: (messages) => seen.push(`messages ${messages.length}`),
      help: () => {},
      end: () => {},
      client: {
        users: async () => [],
        join: async () => ({ room: { name: 'x', members: 1, joined: true }, history: [] }),
        leave: async (name) => void seen.push(`leave ${name}`),
        rooms: async () => [],
        history: async (_room, page) => ({ messages: Array.from({ length: page.limit ?? 0 }, (_, id) => ({ id, room: 'dev', from: 'a', body: 'b', ts: 0 })), more: false }),
      },
    };
    const run = async (name: string, args: string[]): Promise<void> => {
      const dispatch = resolveCommand(name, args);
      assert.ok(dispatch.ok);
      await dispatch.command.run(ctx, dispatch.args);
    };
    await run('history', ['0']);
    await run('history', ['abc']);
    await run('history', ['3']);
    await run('leave', []);
    assert.deepEqual(seen, [
      'error /history takes a number from 1 to 200',
      'error /history takes a number from 1 to 200',
      'notice last 3 messages in dev:',
      'messages 3',
      'leave dev',
      'notice left dev',
    ]);
    assert.equal(room, 'general');
  });
});

describe('colours', () => {
  test('on for a terminal; off for NO_COLOR, TERM=dumb, or a pipe', () => {
    assert.equal(colourWanted({ isTTY: true }, {}), true);
    assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: '' }), true); // no-color.org: present *and* not empty
    assert.equal(colourWanted({ isTTY: true }, { TERM: 'dumb' }), false);
    assert.equal(colourWanted({ isTTY: false }, {}), false);
    assert.equal(colourWanted({}, {}), false);
  });
});
