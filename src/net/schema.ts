// Every application message of the securechat protocol, in both directions.
// This file is the single definition of the wire vocabulary: the server, the
// client library and the UI all import these types, and `decode*` below is
// the one place where untrusted JSON becomes one of them.

import { ProtocolError } from './errors.ts';
import { MAX_CLIENT_MESSAGE_BYTES } from './limits.ts';

/** A chat line as stored and delivered. `id` grows monotonically per server. */
export interface ChatMessage {
  id: number;
  room: string;
  from: string;
  body: string;
  /** Server time, milliseconds since the epoch. */
  ts: number;
}

export interface RoomInfo {
  name: string;
  /** Number of members (persistent membership, online or not). */
  members: number;
  /** Whether the requesting user is a member. */
  joined: boolean;
}

// ---------------------------------------------------------------- requests

export type Request =
  | { type: 'register'; id: number; username: string; password: string }
  | { type: 'login'; id: number; username: string; password: string }
  | { type: 'resume'; id: number; token: string }
  | { type: 'logout'; id: number }
  | { type: 'send'; id: number; room: string; body: string }
  | { type: 'join'; id: number; room: string }
  | { type: 'leave'; id: number; room: string }
  | { type: 'rooms'; id: number }
  | { type: 'users'; id: number }
  | { type: 'history'; id: number; room: string; before?: number; after?: number; limit?: number }
  | { type: 'ping'; id: number };

export type RequestType = Request['type'];
export type RequestOf<T extends RequestType> = Extract<Request, { type: T }>;

/** What a successful login, registration or resume returns. */
export interface SessionStart {
  user: string;
  /** Opaque bearer token for `resume`; keep it secret. */
  token: string;
  expiresAt: number;
  rooms: RoomInfo[];
  online: string[];
  /** The last messages of each joined room, oldest first. */
  history: Record<string, ChatMessage[]>;
}

/** The result each request type produces when it succeeds. */
export interface ResultMap {
  register: SessionStart;
  login: SessionStart;
  resume: SessionStart;
  logout: Record<string, never>;
  send: { message: ChatMessage };
  join: { room: RoomInfo; history: ChatMessage[] };
  leave: { room: string };
  rooms: { rooms: RoomInfo[] };
  users: { online: string[] };
  history: { room: string; messages: ChatMessage[]; more: boolean };
  ping: { ts: number };
}

// ------------------------------------------------------- server to client

export const ERROR_CODES = [
  'bad_request', // the message did not validate
  'unknown_type',
  'not_authenticated',
  'already_authenticated',
  'invalid_username',
  'invalid_password',
  'username_taken',
  'invalid_credentials', // unknown user and wrong password alike
  'invalid_token',
  'throttled',
  'rate_limited',
  'invalid_room',
  'no_such_room',
  'not_a_member',
  'cannot_leave',
  'body_too_long',
  'empty_body',
  'store_unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type ServerMessage =
  | { [T in RequestType]: { type: 'result'; id: number; for: T; result: ResultMap[T] } }[RequestType]
  | { type: 'error'; id?: number; code: ErrorCode; message: string; retryAfterMs?: number }
  | { type: 'message'; message: ChatMessage }
  | { type: 'notice'; room: string; event: 'join' | 'leave'; user: string; ts: number }
  | { type: 'presence'; event: 'online' | 'offline'; user: string; ts: number }
  | { type: 'bye'; reason: string };

export type ResultMessage = Extract<ServerMessage, { type: 'result' }>;

// -------------------------------------------------------------- validation

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(obj: Json, key: string, maxLength: number): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new ProtocolError('bad_request', `"${key}" must be a string`);
  if (value.length > maxLength) throw new ProtocolError('bad_request', `"${key}" is too long`);
  return value;
}

function int(obj: Json, key: string, min: number, max: number): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ProtocolError('bad_request', `"${key}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

function optionalInt(obj: Json, key: string, min: number, max: number): number | undefined {
  return obj[key] === undefined ? undefined : int(obj, key, min, max);
}

/**
 * Usernames, passwords, tokens and room names are checked properly by the
 * server; these only bound them (login throttling keys even an invalid
 * name). A field over its bound is an error of meaning, not of shape: it is
 * refused with the code its handler would use, once the whole message has
 * been found well-formed, and the connection stays (see checkBounds).
 */
const MAX_NAME_CHARS = 256;
const MAX_PASSWORD_CHARS = 4096;
const MAX_TOKEN_CHARS = 128;
/** Bounds parsing only: the exact limit (MAX_BODY_BYTES of UTF-8) is checked by the send handler, so that one byte over gets body_too_long and the connection stays. */
const MAX_BODY_CHARS = MAX_CLIENT_MESSAGE_BYTES;
export const MAX_HISTORY_PAGE = 200;

/**
 * Turns untrusted JSON text into a Request, or throws a ProtocolError with
 * code `bad_request` / `unknown_type`. The `id` of a request that failed
 * validation is reported back on the error when it could be read.
 */
export function decodeRequest(text: string): Request {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolError('bad_request', 'message is not valid JSON');
  }
  if (!isObject(raw)) throw new ProtocolError('bad_request', 'message must be a JSON object');
  // Echoed on the error only when it is a valid id: the client refuses a reply whose id is not one.
  const requestId = typeof raw.id === 'number' && Number.isSafeInteger(raw.id) && raw.id >= 0 ? raw.id : undefined;
  try {
    return checkBounds(readRequest(raw));
  } catch (error) {
    if (error instanceof ProtocolError && requestId !== undefined) error.requestId = requestId;
    throw error;
  }
}

function readRequest(raw: Json): Request {
  const id = int(raw, 'id', 0, Number.MAX_SAFE_INTEGER);
  switch (raw.type) {
    case 'register':
    case 'login':
      return {
        type: raw.type,
        id,
        username: str(raw, 'username', Infinity),
        password: str(raw, 'password', Infinity),
      };
    case 'resume':
      return { type: 'resume', id, token: str(raw, 'token', Infinity) };
    case 'send':
      return { type: 'send', id, room: str(raw, 'room', Infinity), body: str(raw, 'body', MAX_BODY_CHARS) };
    case 'join':
    case 'leave':
      return { type: raw.type, id, room: str(raw, 'room', Infinity) };
    case 'history': {
      const request: RequestOf<'history'> = { type: 'history', id, room: str(raw, 'room', Infinity) };
      const before = optionalInt(raw, 'before', 0, Number.MAX_SAFE_INTEGER);
      const after = optionalInt(raw, 'after', 0, Number.MAX_SAFE_INTEGER);
      const limit = optionalInt(raw, 'limit', 1, MAX_HISTORY_PAGE);
      if (before !== undefined && after !== undefined) {
        throw new ProtocolError('bad_request', '"before" and "after" cannot be combined');
      }
      if (before !== undefined) request.before = before;
      if (after !== undefined) request.after = after;
      if (limit !== undefined) request.limit = limit;
      return request;
    }
    case 'logout':
    case 'rooms':
    case 'users':
    case 'ping':
      return { type: raw.type, id };
    default:
      throw new ProtocolError('unknown_type', `unknown message type ${describeType(raw.type)}`);
  }
}

/** The bounds of a well-formed request's text fields, refused with the handler's own code. */
function checkBounds(request: Request): Request {
  const tooLong = (code: ErrorCode, what: string) => new ProtocolError(code, `the ${what} is too long`);
  switch (request.type) {
    case 'register':
    case 'login': {
      // A login never says which part was wrong.
      const login = request.type === 'login';
      if (request.username.length > MAX_NAME_CHARS) throw tooLong(login ? 'invalid_credentials' : 'invalid_username', 'username');
      if (request.password.length > MAX_PASSWORD_CHARS) throw tooLong(login ? 'invalid_credentials' : 'invalid_password', 'password');
      break;
    }
    case 'resume':
      if (request.token.length > MAX_TOKEN_CHARS) throw tooLong('invalid_token', 'session token');
      break;
    case 'send':
    case 'join':
    case 'leave':
    case 'history':
      if (request.room.length > MAX_NAME_CHARS) throw tooLong('invalid_room', 'room name');
      break;
    default:
      break;
  }
  return request;
}

/**
 * Names an unknown type for the error message. Only a string is quoted:
 * converting any other value runs code chosen by the sender's JSON (an
 * object whose "toString" is not a function throws TypeError, an array
 * nested 20,000 deep overflows the stack in join).
 */
function describeType(type: unknown): string {
  if (typeof type === 'string') return JSON.stringify(type.slice(0, 40));
  if (type === undefined) return '(none given)';
  const kind = type === null ? 'null' : Array.isArray(type) ? 'an array' : typeof type === 'object' ? 'an object' : `a ${typeof type}`;
  return `(${kind} instead of a string)`;
}

/**
 * The client's side of the boundary: the server is authenticated by its
 * pinned key, but its messages are still checked for shape, results and
 * nested values included, so that a bug there cannot crash a client (a
 * missing `history` or a `ts` of null would otherwise surface deep in the UI).
 * Unknown extra fields are tolerated.
 */
export function decodeServerMessage(text: string): ServerMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolError('bad_request', 'server sent invalid JSON');
  }
  if (!isObject(raw) || typeof raw.type !== 'string') {
    throw new ProtocolError('bad_request', 'server message must be an object with a type');
  }
  switch (raw.type) {
    case 'result': {
      int(raw, 'id', 0, Number.MAX_SAFE_INTEGER);
      const forType = raw.for;
      const check = typeof forType === 'string' && Object.hasOwn(RESULT_SHAPES, forType) ? RESULT_SHAPES[forType as RequestType] : undefined;
      if (!check) throw new ProtocolError('bad_request', 'result for an unknown request type');
      if (!isObject(raw.result) || !check(raw.result)) {
        throw new ProtocolError('bad_request', `malformed result for "${forType as string}"`);
      }
      break;
    }
    case 'error':
      if (!(ERROR_CODES as readonly unknown[]).includes(raw.code)) throw new ProtocolError('bad_request', 'unknown error code');
      str(raw, 'message', 4096);
      optionalInt(raw, 'id', 0, Number.MAX_SAFE_INTEGER);
      if (raw.retryAfterMs !== undefined && !(isTime(raw.retryAfterMs) && raw.retryAfterMs >= 0)) {
        throw new ProtocolError('bad_request', '"retryAfterMs" must be a number of milliseconds');
      }
      break;
    case 'message':
      if (!isChatMessage(raw.message)) throw new ProtocolError('bad_request', 'malformed chat message');
      break;
    case 'notice':
    case 'presence': {
      str(raw, 'user', MAX_NAME_CHARS);
      const events: readonly unknown[] = raw.type === 'notice' ? ['join', 'leave'] : ['online', 'offline'];
      if (!events.includes(raw.event)) throw new ProtocolError('bad_request', `unknown ${raw.type} event`);
      if (raw.type === 'notice') str(raw, 'room', MAX_NAME_CHARS);
      if (!isTime(raw.ts)) throw new ProtocolError('bad_request', '"ts" must be a time');
      break;
    }
    case 'bye':
      str(raw, 'reason', 4096);
      break;
    default:
      throw new ProtocolError('unknown_type', 'unknown server message type');
  }
  return raw as unknown as ServerMessage;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isArrayOf<T>(value: unknown, check: (item: unknown) => item is T): value is T[] {
  return Array.isArray(value) && value.every(check);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

export function isChatMessage(value: unknown): value is ChatMessage {
  return (
    isObject(value) &&
    isCount(value.id) &&
    typeof value.room === 'string' &&
    typeof value.from === 'string' &&
    typeof value.body === 'string' &&
    isTime(value.ts)
  );
}

function isRoomInfo(value: unknown): value is RoomInfo {
  return isObject(value) && typeof value.name === 'string' && isCount(value.members) && typeof value.joined === 'boolean';
}

function isSessionStart(r: Json): boolean {
  return (
    typeof r.user === 'string' &&
    typeof r.token === 'string' &&
    isTime(r.expiresAt) &&
    isArrayOf(r.rooms, isRoomInfo) &&
    isArrayOf(r.online, isString) &&
    isObject(r.history) &&
    Object.values(r.history).every((messages) => isArrayOf(messages, isChatMessage))
  );
}

/** The shape of each result (ResultMap above), checked before a pending request sees it. */
const RESULT_SHAPES: { [T in RequestType]: (result: Json) => boolean } = {
  register: isSessionStart,
  login: isSessionStart,
  resume: isSessionStart,
  logout: () => true,
  send: (r) => isChatMessage(r.message),
  join: (r) => isRoomInfo(r.room) && isArrayOf(r.history, isChatMessage),
  leave: (r) => typeof r.room === 'string',
  rooms: (r) => isArrayOf(r.rooms, isRoomInfo),
  users: (r) => isArrayOf(r.online, isString),
  history: (r) => typeof r.room === 'string' && isArrayOf(r.messages, isChatMessage) && typeof r.more === 'boolean',
  ping: (r) => isTime(r.ts),
};
