// The UI's reducer: every change of what the window shows goes through it.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HostEvent } from '../../src/native/bridge-protocol.ts';
import type { ChatMessage } from '../../src/net/schema.ts';
import { MAX_LINES_PER_ROOM, initialState, reduce, type StateEvent, type UiState } from '../../src/ui/state.ts';

const msg = (id: number, from: string, body = `m${id}`, room = 'general'): ChatMessage => ({ id, room, from, body, ts: 1_700_000_000_000 + id });
const session = (overrides: Partial<Extract<HostEvent, { type: 'session' }>> = {}): HostEvent => ({
  type: 'session',
  address: '127.0.0.1:5555',
  user: 'Alice',
  rooms: [
    { name: 'general', members: 3, joined: true },
    { name: 'sales', members: 2, joined: true },
    { name: 'elsewhere', members: 9, joined: false },
  ],
  online: ['bob', 'Alice', 'carol'],
  history: { general: [msg(1, 'bob'), msg(2, 'alice')], sales: [] },
  resumed: false,
  ...overrides,
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** Applies events one batch at a time, checking that no earlier state is ever changed. */
function play(...batches: StateEvent[][]): UiState {
  let state = deepFreeze(initialState());
  for (const batch of batches) state = deepFreeze(reduce(state, batch));
  return state;
}

const bodies = (state: UiState, room = 'general') => state.rooms[room]!.lines.map((line) => line.body);

describe('UI state', () => {
  test('a session opens the chat with joined rooms, history, online users sorted', () => {
    const state = play([session()]);
    assert.equal(state.screen, 'chat');
    assert.deepEqual(state.roomOrder, ['general', 'sales']);
    assert.equal(state.current, 'general');
    assert.deepEqual(bodies(state), ['m1', 'm2']);
    assert.deepEqual(state.rooms.general!.lines.map((line) => line.kind), ['other', 'own'], 'own lines by name, case-insensitively');
    assert.deepEqual(state.online, ['Alice', 'bob', 'carol']);
    assert.equal(state.rooms.general!.more, false, 'two lines of history: nothing older to offer');
  });

  test('unread counts grow on rooms not on screen, and reset when selected', () => {
    const state = play([session()], [{ type: 'message', message: msg(3, 'bob', 'x', 'sales'), missed: false }, { type: 'message', message: msg(4, 'bob', 'y', 'sales'), missed: true }, { type: 'message', message: msg(5, 'bob') , missed: false }]);
    assert.equal(state.rooms.sales!.unread, 2);
    assert.equal(state.rooms.general!.unread, 0);
    assert.equal(play([session()], [{ type: 'message', message: msg(3, 'bob', 'x', 'sales'), missed: false }], [{ type: 'ui/select', room: 'sales' }]).rooms.sales!.unread, 0);
  });

  test('an own line shows at once as pending, then is confirmed in place', () => {
    const sending = play([session()], [{ type: 'ui/sending', ref: 7, room: 'general', body: 'hi', ts: 5 }]);
    assert.deepEqual(sending.rooms.general!.lines.at(-1), { key: 'r7', kind: 'own', ts: 5, from: 'Alice', body: 'hi', ref: 7, status: 'pending' });
    const confirmed = reduce(sending, [{ type: 'message', message: msg(3, 'bob', 'in between'), missed: false }, { type: 'sent', ref: 7, message: msg(4, 'Alice', 'hi') }]);
    assert.deepEqual(bodies(confirmed), ['m1', 'm2', 'hi', 'in between'], 'the own line stays where it was typed');
    assert.equal(confirmed.rooms.general!.lines[2]!.status, undefined);
    assert.equal(confirmed.rooms.general!.lines[2]!.id, 4);
  });

  test('a failed send is marked and explained', () => {
    const state = play([session()], [{ type: 'ui/sending', ref: 1, room: 'general', body: 'x'.repeat(9000), ts: 5 }], [{ type: 'sendFailed', ref: 1, code: 'body_too_long', message: 'the message is too long' }]);
    const lines = state.rooms.general!.lines;
    assert.equal(lines.at(-2)!.status, 'failed');
    assert.deepEqual([lines.at(-1)!.kind, lines.at(-1)!.body], ['error', 'Not sent: the message is too long']);
  });

  test('lines arrive once and in id order, even when missed ones come after live ones', () => {
    const state = play([session()], [
      { type: 'message', message: msg(10, 'bob'), missed: false },
      { type: 'message', message: msg(8, 'bob'), missed: true },
      { type: 'message', message: msg(9, 'bob'), missed: true },
      { type: 'message', message: msg(10, 'bob'), missed: true },
      { type: 'message', message: msg(2, 'alice'), missed: true },
    ]);
    assert.deepEqual(bodies(state), ['m1', 'm2', 'm8', 'm9', 'm10']);
  });

  test('/history puts older lines on top, once, and says when there are none', () => {
    const older = [msg(0, 'bob', 'zero'), msg(1, 'bob')];
    const state = play([session()], [{ type: 'history', room: 'general', messages: older, more: false }], [{ type: 'history', room: 'general', messages: [], more: false }]);
    assert.deepEqual(bodies(state), ['zero', 'm1', 'm2', 'No older messages.']);
    assert.equal(state.rooms.general!.more, false);
  });

  test('joining switches to the room with its history; leaving goes back to general', () => {
    const joined = play([session()], [{ type: 'joined', room: { name: 'ops', members: 4, joined: true }, history: [msg(3, 'dave', 'hi', 'ops')] }]);
    assert.equal(joined.current, 'ops');
    assert.deepEqual(bodies(joined, 'ops'), ['hi', 'You joined #ops']);
    const left = reduce(joined, [{ type: 'left', room: 'ops' }]);
    assert.equal(left.current, 'general');
    assert.deepEqual(left.roomOrder, ['general', 'sales']);
    assert.equal(bodies(left).at(-1), 'You left #ops');
  });

  test('notices from others are grey lines; presence keeps the online list', () => {
    const state = play([session()], [
      { type: 'notice', room: 'general', event: 'join', user: 'dave', ts: 1 },
      { type: 'notice', room: 'general', event: 'join', user: 'alice', ts: 2 },
      { type: 'presence', event: 'online', user: 'dave', ts: 3 },
      { type: 'presence', event: 'offline', user: 'BOB', ts: 4 },
    ]);
    assert.deepEqual(state.rooms.general!.lines.filter((line) => line.kind === 'notice').map((line) => line.body), ['dave joined #general']);
    assert.equal(state.rooms.general!.members, 4);
    assert.deepEqual(state.online, ['Alice', 'carol', 'dave']);
  });

  test('login: busy, then errors by field; a changed key; logging out clears everything', () => {
    const failed = play([{ type: 'ui/loginStarted' }], [{ type: 'loginFailed', field: 'username', code: 'username_taken', message: 'taken' }]);
    assert.deepEqual([failed.loginBusy, failed.loginErrors], [false, { username: 'taken' }]);
    const key = play([session()], [{ type: 'keyChanged', address: 'h:1', expected: 'A', actual: 'B', pinFile: '/p' }]);
    assert.equal(key.screen, 'login', 'a key change after a reconnect takes the user out of the chat');
    assert.deepEqual(key.keyChanged, { address: 'h:1', expected: 'A', actual: 'B', pinFile: '/p' });
    const out = play([session()], [{ type: 'loggedOut', reason: 'your session expired' }]);
    assert.deepEqual([out.screen, out.user, out.roomOrder, out.online, out.loginNotice], ['login', undefined, [], [], 'your session expired']);
  });

  test('the server key is "new" only until logout: logging in again over the same connection says pinned', () => {
    const key: HostEvent = { type: 'serverKey', address: '127.0.0.1:5555', fingerprint: 'SHA256:abc', firstContact: true };
    const first = play([key], [session()]);
    assert.equal(first.firstContact, true);
    // File → Logout, then log in again: the socket thread reuses the connection, so no new 'serverKey'.
    const again = play([key], [session()], [{ type: 'loggedOut' }], [session()]);
    assert.deepEqual([again.firstContact, again.fingerprint], [false, 'SHA256:abc']);
    // A new connection (another server, or after a drop) says what it found.
    assert.equal(play([key], [session()], [{ type: 'loggedOut' }], [{ ...key, address: 'other:5555' }]).firstContact, true);
  });

  test('a resumed session keeps what is on screen', () => {
    const state = play([session()], [{ type: 'ui/info', text: 'kept' }], [session({ resumed: true, history: { general: [msg(2, 'alice'), msg(3, 'bob')] } })]);
    assert.deepEqual(bodies(state), ['m1', 'm2', 'kept', 'm3', 'Reconnected; the session was resumed.']);
  });

  test('a burst of 20,000 lines in one batch keeps the newest, in order, quickly', () => {
    const start = play([session()]);
    const burst: StateEvent[] = Array.from({ length: 20_000 }, (_, i) => ({ type: 'message', message: msg(i + 3, 'bob', `b${i + 3}`), missed: false }));
    const began = performance.now();
    const state = reduce(start, burst);
    const elapsed = performance.now() - began;
    const lines = state.rooms.general!.lines;
    assert.equal(lines.length, MAX_LINES_PER_ROOM);
    assert.equal(lines.at(-1)!.body, 'b20002');
    assert.ok(lines.every((line, i) => i === 0 || line.id! > lines[i - 1]!.id!), 'in order');
    assert.equal(state.rooms.general!.more, true, 'dropped lines can be fetched again');
    assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  });

  test('an empty batch changes nothing', () => {
    const state = initialState();
    assert.equal(reduce(state, []), state);
  });
});
