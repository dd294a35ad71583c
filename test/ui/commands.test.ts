// Slash commands and the small pure helpers of the UI.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMMANDS as TERMINAL_COMMANDS } from '../../src/cli/chat/commands.ts';
import { COMMANDS, MAX_HISTORY, helpText, parseInput } from '../../src/ui/commands.ts';
import { checkPassword, checkUsername, dayKey, formatAddress, formatDay, formatTime, parseServerAddress } from '../../src/ui/format.ts';
import { MAX_HISTORY_PAGE } from '../../src/net/schema.ts';

describe('slash commands', () => {
  test('the window has the same commands as the terminal client', () => {
    assert.deepEqual(COMMANDS.map((c) => c.name).sort(), TERMINAL_COMMANDS.map((c) => c.name).sort());
    assert.equal(MAX_HISTORY, MAX_HISTORY_PAGE);
  });

  test('text, commands, and "//" for a line that starts with a slash', () => {
    assert.deepEqual(parseInput('hello /join x'), { kind: 'text', body: 'hello /join x' });
    assert.deepEqual(parseInput('//join is a command'), { kind: 'text', body: '/join is a command' });
    assert.deepEqual(parseInput('  \n '), { kind: 'empty' });
    assert.deepEqual(parseInput('/join #Sales'), { kind: 'command', command: { name: 'join', room: 'Sales' } });
    assert.deepEqual(parseInput('/JOIN ops'), { kind: 'command', command: { name: 'join', room: 'ops' } });
    assert.deepEqual(parseInput('/leave'), { kind: 'command', command: { name: 'leave' } });
    assert.deepEqual(parseInput('/leave ops'), { kind: 'command', command: { name: 'leave', room: 'ops' } });
    assert.deepEqual(parseInput('/history'), { kind: 'command', command: { name: 'history', limit: 20 } });
    assert.deepEqual(parseInput('/history 200'), { kind: 'command', command: { name: 'history', limit: 200 } });
    for (const name of ['help', 'users', 'rooms', 'logout', 'quit'] as const) assert.deepEqual(parseInput(`/${name}`), { kind: 'command', command: { name } });
  });

  test('mistakes get a message that says what to type', () => {
    assert.match((parseInput('/nope') as { message: string }).message, /Unknown command \/nope.*\/help/);
    assert.deepEqual(parseInput('/join'), { kind: 'error', message: 'Usage: /join ROOM' });
    assert.deepEqual(parseInput('/join a b'), { kind: 'error', message: 'Usage: /join ROOM' });
    assert.deepEqual(parseInput('/users everyone'), { kind: 'error', message: 'Usage: /users' });
    for (const bad of ['0', '201', 'ten', '1.5']) assert.deepEqual(parseInput(`/history ${bad}`), { kind: 'error', message: '/history takes a number from 1 to 200' });
  });

  test('/help lists every command', () => {
    const text = helpText();
    for (const command of COMMANDS) assert.ok(text.includes(command.usage), command.usage);
    assert.ok(text.includes('//text'));
  });
});

describe('UI helpers', () => {
  test('server addresses: host, host:port, [v6]:port, bare v6; port defaults to 5555', () => {
    assert.deepEqual(parseServerAddress(' chat.example.com '), { host: 'chat.example.com', port: 5555 });
    assert.deepEqual(parseServerAddress('10.0.0.1:6000'), { host: '10.0.0.1', port: 6000 });
    assert.deepEqual(parseServerAddress('[::1]:7000'), { host: '::1', port: 7000 });
    assert.deepEqual(parseServerAddress('[::1]'), { host: '::1', port: 5555 });
    assert.deepEqual(parseServerAddress('fe80::1'), { host: 'fe80::1', port: 5555 });
    for (const bad of ['', 'host:0', 'host:65536', 'host:port', 'a b:1', 'user@host:1']) assert.ok('error' in parseServerAddress(bad), bad);
    assert.equal(formatAddress('::1', 5555), '[::1]:5555');
  });

  test('times are hours and minutes; day dividers say Today, Yesterday or the date', () => {
    const now = new Date(2024, 4, 2, 15, 0).getTime();
    assert.equal(formatTime(new Date(2024, 4, 2, 9, 5).getTime()), '09:05');
    assert.equal(formatDay(new Date(2024, 4, 2, 0, 1).getTime(), now), 'Today');
    assert.equal(formatDay(new Date(2024, 4, 1, 23, 59).getTime(), now), 'Yesterday');
    assert.match(formatDay(new Date(2024, 3, 30, 12).getTime(), now), /2024/);
    assert.equal(dayKey(new Date(2024, 4, 2, 0, 0).getTime()), dayKey(new Date(2024, 4, 2, 23, 59).getTime()));
  });

  test('field checks before anything is sent', () => {
    assert.equal(checkUsername(''), 'Enter your username');
    assert.equal(checkUsername('al'), 'A username has 3 to 32 characters');
    assert.equal(checkUsername('ａｌｉ'), undefined, 'counted after NFKC');
    assert.equal(checkPassword('', false), 'Enter your password');
    assert.equal(checkPassword('short', false), undefined, 'login does not judge old passwords');
    assert.equal(checkPassword('short', true), 'Choose a password of at least 8 characters');
  });
});
