// The whole UI state and the one function that changes it: `reduce(state,
// events)` applies a batch of host events (and the UI's own local events) in
// order. A drain hands over up to hundreds of events at once; they are applied
// to one draft so that a burst costs one render, not one per line.

import type { RoomInfo } from '../net/schema.ts';
import type { ConnectionStatus, HostEvent, LoginField } from '../native/bridge-protocol.ts';
import { DEFAULT_ROOM, Draft, sameName } from './draft.ts';

export { DEFAULT_ROOM, MAX_LINES_PER_ROOM } from './draft.ts';

export type LineKind = 'own' | 'other' | 'notice' | 'info' | 'error';

export interface LogLine {
  /** Unique within its room, stable across renders. */
  key: string;
  kind: LineKind;
  ts: number;
  from?: string;
  body: string;
  /** The server's message id, once known. */
  id?: number;
  /** The UI's reference for an own line awaiting its acknowledgement. */
  ref?: number;
  status?: 'pending' | 'failed';
}

export interface RoomView {
  name: string;
  members: number;
  lines: LogLine[];
  unread: number;
  /** Whether older messages may exist on the server (false once /history found the start). */
  more: boolean;
}

export type LoginErrors = Partial<Record<LoginField, string>>;

export interface KeyChanged {
  address: string;
  expected: string;
  actual: string;
  pinFile?: string;
}

export interface NewServerKey {
  address: string;
  fingerprint: string;
}

export interface UiState {
  version: string;
  screen: 'login' | 'chat';
  defaults: { host: string; port: number };
  connection: ConnectionStatus;
  connectionDetail?: string;
  address?: string;
  fingerprint?: string;
  firstContact: boolean;
  user?: string;
  roomOrder: string[];
  rooms: Record<string, RoomView>;
  current: string;
  online: string[];
  loginBusy: boolean;
  loginErrors: LoginErrors;
  keyChanged?: KeyChanged;
  /** First contact: the socket thread waits for the person to trust this key (or not). */
  newKey?: NewServerKey;
  /** Shown on the login panel: why we are back there. */
  loginNotice?: string;
  /** Counter for keys of local lines. */
  seq: number;
}

/** Events the UI raises itself; they go through the same reducer. */
export type LocalEvent =
  | { type: 'ui/loginStarted' }
  | { type: 'ui/loginInvalid'; errors: LoginErrors }
  | { type: 'ui/trustAnswered'; trust: boolean }
  | { type: 'ui/select'; room: string }
  | { type: 'ui/sending'; ref: number; room: string; body: string; ts: number }
  | { type: 'ui/info'; text: string; kind?: 'info' | 'error' };

export type StateEvent = HostEvent | LocalEvent;

/**
 * The server sends the last messages of a room on login and join, without
 * saying whether there are more. Fewer than this many means the room's whole
 * history is on screen, so "Load older messages" is not offered.
 */
const LIKELY_PAGE = 10;

export function initialState(defaults = { host: '127.0.0.1', port: 5555 }): UiState {
  return {
    version: '',
    screen: 'login',
    defaults,
    connection: 'idle',
    firstContact: false,
    roomOrder: [],
    rooms: {},
    current: DEFAULT_ROOM,
    online: [],
    loginBusy: false,
    loginErrors: {},
    seq: 0,
  };
}

function describeRoom(room: RoomInfo): string {
  return `#${room.name} (${room.members} member${room.members === 1 ? '' : 's'}${room.joined ? ', joined' : ''})`;
}

function apply(draft: Draft, event: StateEvent): void {
  const state = draft.state;
  switch (event.type) {
    case 'hello':
      state.defaults = { host: event.host, port: event.port };
      state.version = event.version;
      return;
    case 'state':
      state.connection = event.state;
      if (event.detail !== undefined) state.connectionDetail = event.detail;
      else delete state.connectionDetail;
      return;
    case 'serverKey':
      state.address = event.address;
      state.fingerprint = event.fingerprint;
      state.firstContact = event.firstContact;
      return;
    case 'session': {
      if (!event.resumed || !sameName(state.user, event.user)) {
        draft.resetRooms();
        state.current = DEFAULT_ROOM;
      }
      state.screen = 'chat';
      state.user = event.user;
      state.address = event.address;
      state.online = [...event.online].sort(compareNames);
      state.loginBusy = false;
      state.loginErrors = {};
      delete state.keyChanged;
      delete state.newKey;
      delete state.loginNotice;
      for (const info of event.rooms) if (info.joined) draft.addRoom(info);
      for (const [room, messages] of Object.entries(event.history)) {
        const view = state.rooms[room] ? draft.room(room)! : draft.addRoom({ name: room, members: 0 });
        for (const message of messages) draft.addMessage(message, false);
        view.more = view.lines.length >= LIKELY_PAGE;
      }
      if (!state.rooms[state.current]) state.current = state.roomOrder.includes(DEFAULT_ROOM) ? DEFAULT_ROOM : (state.roomOrder[0] ?? DEFAULT_ROOM);
      if (event.resumed) draft.info('info', 'Reconnected; the session was resumed.');
      return;
    }
    case 'confirmServerKey':
      state.newKey = { address: event.address, fingerprint: event.fingerprint };
      return;
    case 'loginFailed':
      delete state.newKey;
      state.loginBusy = false;
      state.loginErrors = { [event.field]: event.message };
      return;
    case 'keyChanged':
      delete state.newKey;
      state.loginBusy = false;
      state.keyChanged = { address: event.address, expected: event.expected, actual: event.actual, ...(event.pinFile !== undefined ? { pinFile: event.pinFile } : {}) };
      state.loginErrors = {};
      if (state.screen === 'chat') {
        state.screen = 'login';
        delete state.user;
      }
      return;
    case 'message':
      draft.addMessage(event.message, true);
      return;
    case 'sent': {
      const room = draft.room(event.message.room);
      if (!room) return;
      const index = room.lines.findIndex((line) => line.ref === event.ref);
      const confirmed: LogLine = { key: `m${event.message.id}`, kind: 'own', ts: event.message.ts, from: event.message.from, body: event.message.body, id: event.message.id };
      if (room.lines.some((line) => line.id === event.message.id)) {
        if (index >= 0) room.lines.splice(index, 1); // the same line already arrived by another path
      } else if (index >= 0) {
        room.lines[index] = confirmed;
      } else {
        draft.addMessage(event.message, false);
      }
      return;
    }
    case 'sendFailed': {
      for (const name of state.roomOrder) {
        const room = state.rooms[name]!;
        const index = room.lines.findIndex((line) => line.ref === event.ref);
        if (index < 0) continue;
        const copy = draft.room(name)!;
        copy.lines[index] = { ...copy.lines[index]!, status: 'failed' };
        draft.addLine(name, 'error', `Not sent: ${event.message}`, Date.now());
        return;
      }
      draft.info('error', `Not sent: ${event.message}`);
      return;
    }
    case 'notice':
      if (sameName(event.user, state.user)) return; // our own join/leave is reported by 'joined'/'left'
      draft.addLine(event.room, 'notice', `${event.user} ${event.event === 'join' ? 'joined' : 'left'} #${event.room}`, event.ts);
      {
        const room = draft.room(event.room);
        if (room) room.members = Math.max(0, room.members + (event.event === 'join' ? 1 : -1));
      }
      return;
    case 'presence': {
      const others = state.online.filter((name) => !sameName(name, event.user));
      state.online = event.event === 'online' ? [...others, event.user].sort(compareNames) : others;
      return;
    }
    case 'joined': {
      const room = draft.addRoom(event.room);
      for (const message of event.history) draft.addMessage(message, false);
      room.more = room.lines.length >= LIKELY_PAGE;
      state.current = room.name;
      room.unread = 0;
      draft.addLine(room.name, 'notice', `You joined #${room.name}`, Date.now());
      return;
    }
    case 'left':
      draft.removeRoom(event.room);
      draft.info('info', `You left #${event.room}`);
      return;
    case 'rooms':
      draft.info('info', event.rooms.length === 0 ? 'No rooms.' : `Rooms: ${event.rooms.map(describeRoom).join(', ')}`);
      return;
    case 'users':
      state.online = [...event.online].sort(compareNames);
      draft.info('info', `Online (${event.online.length}): ${state.online.join(', ')}`);
      return;
    case 'history': {
      const room = draft.room(event.room);
      if (!room) return;
      const known = new Set(room.lines.map((line) => line.id).filter((id) => id !== undefined));
      const older: LogLine[] = event.messages
        .filter((message) => !known.has(message.id))
        .map((message) => ({ key: `m${message.id}`, kind: sameName(message.from, state.user) ? 'own' : 'other', ts: message.ts, from: message.from, body: message.body, id: message.id }));
      room.lines.unshift(...older);
      room.more = event.more;
      if (older.length === 0) draft.addLine(room.name, 'info', 'No older messages.', Date.now());
      return;
    }
    case 'loggedOut':
      state.screen = 'login';
      // The key is pinned by now: logging in again over the same connection
      // brings no new 'serverKey', and it must not still say "new".
      state.firstContact = false;
      delete state.user;
      state.loginBusy = false;
      state.online = [];
      draft.resetRooms();
      state.current = DEFAULT_ROOM;
      if (event.reason !== undefined) state.loginNotice = event.reason;
      else delete state.loginNotice;
      return;
    case 'failed':
      if (state.screen === 'login') {
        delete state.newKey;
        if (state.loginBusy) {
          state.loginBusy = false;
          state.loginErrors = { form: event.message };
        }
        return;
      }
      draft.info('error', event.action === 'connection' ? event.message : `${capitalise(event.action)} failed: ${event.message}`);
      return;
    case 'bye':
      draft.info('error', `The server is closing the connection: ${event.reason}`);
      return;
    case 'ui/loginStarted':
      state.loginBusy = true;
      state.loginErrors = {};
      delete state.keyChanged;
      delete state.loginNotice;
      return;
    case 'ui/trustAnswered':
      delete state.newKey;
      return;
    case 'ui/loginInvalid':
      state.loginBusy = false;
      state.loginErrors = event.errors;
      return;
    case 'ui/select': {
      if (!state.rooms[event.room]) return;
      state.current = event.room;
      draft.room(event.room)!.unread = 0;
      return;
    }
    case 'ui/sending': {
      const room = draft.room(event.room);
      if (!room) return;
      room.lines.push({ key: `r${event.ref}`, kind: 'own', ts: event.ts, from: state.user ?? '', body: event.body, ref: event.ref, status: 'pending' });
      return;
    }
    case 'ui/info':
      draft.info(event.kind ?? 'info', event.text);
      return;
  }
}

export function reduce(state: UiState, events: readonly StateEvent[]): UiState {
  if (events.length === 0) return state;
  const draft = new Draft(state);
  for (const event of events) apply(draft, event);
  return draft.state;
}

function compareNames(a: string, b: string): number {
  return a.localeCompare(b, undefined, { sensitivity: 'base' });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
