// The vocabulary of the bridge between the UI page and the socket thread.
// The page sees exactly two global functions (bound by the native host, or by
// playwright's exposeFunction in tests):
//
//   window.__securechatPost(action: UiAction): Promise<unknown>
//   window.__securechatDrain(): Promise<HostEvent[]>   (oldest first, at most MAX_EVENTS_PER_DRAIN)
//
// Both directions are typed here, once, and imported by the UI and the host.
// The host treats what the page posts as untrusted and decodes it with
// `decodeUiAction`; the page trusts the host.
//
// Only types come from src/net: the UI bundle must not pull in node code.

import type { ChatMessage, RoomInfo } from '../net/schema.ts';

export const POST_BINDING = '__securechatPost';
export const DRAIN_BINDING = '__securechatDrain';

/** Events handed to the page per drain; the page drains again at once when it got a full batch. */
export const MAX_EVENTS_PER_DRAIN = 500;
/** How often the page drains when the last drain was not full (ms). */
export const DRAIN_INTERVAL_MS = 40;

export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** What the page asks the socket thread to do. */
export type UiAction =
  | { type: 'login'; host: string; port: number; username: string; password: string; register: boolean }
  | { type: 'send'; ref: number; room: string; body: string }
  | { type: 'join'; room: string }
  | { type: 'leave'; room: string }
  | { type: 'rooms' }
  | { type: 'users' }
  | { type: 'history'; room: string; before?: number; limit?: number }
  | { type: 'logout' }
  /** The answer to `confirmServerKey`: trust the new server's key (the login goes on) or not (nothing is sent). */
  | { type: 'trustServerKey'; trust: boolean }
  | { type: 'exit' };

/** Which login field a failure belongs to, so the panel can show it beside that field. */
export type LoginField = 'server' | 'username' | 'password' | 'form';

/** What the socket thread tells the page, in the order it happened. */
export type HostEvent =
  | { type: 'hello'; host: string; port: number; version: string }
  | { type: 'state'; state: ConnectionStatus; detail?: string }
  | { type: 'serverKey'; address: string; fingerprint: string; firstContact: boolean }
  | {
      type: 'session';
      address: string;
      user: string;
      rooms: RoomInfo[];
      online: string[];
      history: Record<string, ChatMessage[]>;
      /** True after an automatic reconnect: the history is already on screen. */
      resumed: boolean;
    }
  | { type: 'loginFailed'; field: LoginField; code: string; message: string }
  | { type: 'keyChanged'; address: string; expected: string; actual: string; pinFile?: string }
  /** First contact with a server: the login waits for a `trustServerKey` answer; nothing has been sent yet. */
  | { type: 'confirmServerKey'; address: string; fingerprint: string }
  | { type: 'message'; message: ChatMessage; missed: boolean }
  | { type: 'sent'; ref: number; message: ChatMessage }
  | { type: 'sendFailed'; ref: number; code: string; message: string }
  | { type: 'notice'; room: string; event: 'join' | 'leave'; user: string; ts: number }
  | { type: 'presence'; event: 'online' | 'offline'; user: string; ts: number }
  | { type: 'joined'; room: RoomInfo; history: ChatMessage[] }
  | { type: 'left'; room: string }
  | { type: 'rooms'; rooms: RoomInfo[] }
  | { type: 'users'; online: string[] }
  | { type: 'history'; room: string; messages: ChatMessage[]; more: boolean }
  | { type: 'loggedOut'; reason?: string }
  /** A request other than login/send failed, or the connection reported an error. */
  | { type: 'failed'; action: string; code: string; message: string }
  | { type: 'bye'; reason: string };

export type HostEventType = HostEvent['type'];

/** The two functions the page calls. */
export interface Bridge {
  post(action: UiAction): Promise<unknown>;
  drain(): Promise<HostEvent[]>;
}

// ------------------------------------------------------------- validation

const MAX_FIELD_CHARS = 4096;
/** A body longer than this is refused by the server anyway (8 KiB of UTF-8); this only bounds the bridge. */
const MAX_BODY_CHARS = 65536;

export class BadActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadActionError';
  }
}

function field(obj: Record<string, unknown>, key: string, max = MAX_FIELD_CHARS): string {
  const value = obj[key];
  if (typeof value !== 'string' || value.length > max) throw new BadActionError(`"${key}" must be a string`);
  return value;
}

function integer(obj: Record<string, unknown>, key: string, min: number, max: number): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new BadActionError(`"${key}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Turns what the page posted into a UiAction, or throws BadActionError. */
export function decodeUiAction(raw: unknown): UiAction {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadActionError('an action must be an object');
  const obj = raw as Record<string, unknown>;
  switch (obj.type) {
    case 'login':
      return {
        type: 'login',
        host: field(obj, 'host', 255),
        port: integer(obj, 'port', 1, 65535),
        username: field(obj, 'username'),
        password: field(obj, 'password'),
        register: obj.register === true,
      };
    case 'send':
      return { type: 'send', ref: integer(obj, 'ref', 0, Number.MAX_SAFE_INTEGER), room: field(obj, 'room'), body: field(obj, 'body', MAX_BODY_CHARS) };
    case 'join':
    case 'leave':
      return { type: obj.type, room: field(obj, 'room') };
    case 'history': {
      const action: UiAction = { type: 'history', room: field(obj, 'room') };
      if (obj.before !== undefined) action.before = integer(obj, 'before', 0, Number.MAX_SAFE_INTEGER);
      if (obj.limit !== undefined) action.limit = integer(obj, 'limit', 1, 200);
      return action;
    }
    case 'trustServerKey':
      if (typeof obj.trust !== 'boolean') throw new BadActionError('"trust" must be true or false');
      return { type: 'trustServerKey', trust: obj.trust };
    case 'rooms':
    case 'users':
    case 'logout':
    case 'exit':
      return { type: obj.type };
    default:
      throw new BadActionError(`unknown action ${JSON.stringify(String(obj.type)).slice(0, 40)}`);
  }
}
