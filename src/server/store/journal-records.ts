// The journal's records: one JSON object per mutation, logical rather than
// SQL, so that a journal written before a schema migration still replays
// after it. Every record carries the ids the store assigned, so replay is
// deterministic, and a sequence number, so replay can skip what the snapshot
// already holds.
//
// Kinds are stored on disk: never rename or reuse one; add new kinds only.

import type { MessageRecord, RoomRecord, SessionRecord, UserRecord } from './chat-store.ts';

export type Mutation =
  | { kind: 'createUser'; user: UserRecord }
  | { kind: 'importUsers'; users: UserRecord[] }
  | { kind: 'createSession'; session: SessionRecord }
  | { kind: 'deleteSession'; tokenHash: string }
  | { kind: 'deleteExpiredSessions'; now: number }
  | { kind: 'createRoom'; room: RoomRecord }
  | { kind: 'addMember'; roomId: number; userId: number }
  | { kind: 'removeMember'; roomId: number; userId: number }
  | { kind: 'appendMessage'; message: MessageRecord };

export type JournalRecord = Mutation & { seq: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeRecord(record: JournalRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function hasShape(v: unknown, shape: Record<string, (x: unknown) => boolean>): boolean {
  return isObject(v) && Object.entries(shape).every(([key, check]) => check(v[key]));
}

const user = (v: unknown) =>
  hasShape(v, { id: isInt, name: isStr, nameKey: isStr, passwordHash: isStr, createdAt: isNum });
const session = (v: unknown) =>
  hasShape(v, { tokenHash: isStr, userId: isInt, createdAt: isNum, expiresAt: isNum });
const room = (v: unknown) => hasShape(v, { id: isInt, name: isStr, nameKey: isStr, createdAt: isNum });
const message = (v: unknown) =>
  hasShape(v, { id: isInt, roomId: isInt, userId: isInt, body: isStr, sentAt: isNum });

const shapes: Record<Mutation['kind'], Record<string, (x: unknown) => boolean>> = {
  createUser: { user },
  importUsers: { users: (v) => Array.isArray(v) && v.every(user) },
  createSession: { session },
  deleteSession: { tokenHash: isStr },
  deleteExpiredSessions: { now: isNum },
  createRoom: { room },
  addMember: { roomId: isInt, userId: isInt },
  removeMember: { roomId: isInt, userId: isInt },
  appendMessage: { message },
};

/** Parses a payload that passed its checksum; throws with a reason if it is not a record. */
export function decodeRecord(payload: Uint8Array): JournalRecord {
  const value: unknown = JSON.parse(decoder.decode(payload));
  if (!isObject(value)) throw new Error('record is not a JSON object');
  if (!isInt(value.seq) || value.seq < 1) throw new Error('record has no valid seq');
  const kind = value.kind;
  if (!isStr(kind) || !Object.hasOwn(shapes, kind)) throw new Error(`unknown record kind ${String(kind)}`);
  if (!hasShape(value, shapes[kind as Mutation['kind']])) throw new Error(`malformed ${kind} record`);
  return value as unknown as JournalRecord;
}
