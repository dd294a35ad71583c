// Reading what was typed at the chat prompt, and the slash command table.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMMANDS, helpLines, resolveCommand, type CommandContext } from '../../src/cli/chat/commands.ts';
import { parseInput } from '../../src/cli/chat/input.ts';
import { bodyProblem } from '../../src/net/body-rules.ts';
import { styledMessage } from '../../src/cli/chat/format.ts';
import { painter } from '../../src/cli/chat/style.ts';
import { MAX_BODY_BYTES } from '../../src/net/limits.ts';
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

describe('bodyProblem (src/net/body-rules.ts): a line the server would certainly refuse is refused before it is shown', () => {
  test('the limit is in UTF-8 bytes, as the server counts', () => {
    assert.equal(bodyProblem('A'.repeat(MAX_BODY_BYTES)), undefined);
    assert.equal(bodyProblem('A'.repeat(9000))?.message, `the message is 9000 bytes; the limit is ${MAX_BODY_BYTES}`);
    assert.equal(bodyProblem('é'.repeat(4096)), undefined); // 8,192 bytes
    assert.equal(bodyProblem('é'.repeat(4097))?.message, `the message is 8194 bytes; the limit is ${MAX_BODY_BYTES}`);
  });
  test('nothing but white space is empty; anything else may be sent', () => {
    assert.equal(bodyProblem(' \t ')?.message, 'the message is empty');
    assert.equal(bodyProblem('/'), undefined);
    assert.equal(bodyProblem(' hi '), undefined);
  });
});

describe('styledMessage', () => {
  const paint = painter(true);
  const message = { ts: new Date(2024, 0, 1, 16, 20, 33).getTime(), from: 'bob', body: 'hi' };
  test('own lines green; a queued one dim and marked, not green', () => {
    assert.equal(styledMessage(message, { own: true }, paint), '\x1b[2m[16:20:33]\x1b[0m \x1b[32mbob: hi\x1b[0m');
    assert.equal(
      styledMessage(message, { own: true, queued: true }, paint),
      '\x1b[2m[16:20:33]\x1b[0m \x1b[2mbob: hi\x1b[0m\x1b[2m (queued)\x1b[0m',
    );
    assert.equal(styledMessage(message, { own: true, queued: true }, painter(false)), '[16:20:33] bob: hi (queued)');
  });
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
