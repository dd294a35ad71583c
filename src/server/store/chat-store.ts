// The store behind the server, as an interface so that a PostgreSQL store can
// take the place of the sql.js one when a single machine is not enough.
//
// Contract: reads are synchronous and see every mutation already started.
// Every mutation returns a promise that settles only once the mutation is
// durable (journaled and fsync'd); the server acknowledges nothing to anyone
// before that. A mutation that cannot be made durable rejects with a
// StoreError, and the store then refuses further mutations until it has
// recovered (see `health`).

export interface UserRecord {
  id: number;
  /** The name as the user chose it (NFKC-normalised). */
  name: string;
  /** Case-folded name, unique: the key for look-ups. */
  nameKey: string;
  /** Self-describing password hash (see server/accounts/password-hash.ts). */
  passwordHash: string;
  createdAt: number;
}

export interface SessionRecord {
  /** SHA-256 of the bearer token, hex. The token itself is never stored. */
  tokenHash: string;
  userId: number;
  createdAt: number;
  expiresAt: number;
}

export interface RoomRecord {
  id: number;
  name: string;
  nameKey: string;
  createdAt: number;
}

export interface MessageRecord {
  id: number;
  roomId: number;
  userId: number;
  body: string;
  sentAt: number;
}

export interface NewUser {
  name: string;
  nameKey: string;
  passwordHash: string;
  createdAt: number;
}

export interface NewMessage {
  roomId: number;
  userId: number;
  body: string;
  sentAt: number;
}

export type StoreErrorCode =
  | 'duplicate' // a unique key already exists
  | 'not_found'
  | 'unavailable' // the journal cannot be written; mutations refused until it can
  | 'corrupt'; // a file failed its checksum at start-up

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface StoreHealth {
  writable: boolean;
  /** Why mutations are refused, when they are. */
  reason?: string;
}

export interface ChatStore {
  // Accounts
  /** Rejects with StoreError('duplicate') when nameKey exists. */
  createUser(user: NewUser): Promise<UserRecord>;
  /** Many users in one durable step (operator import; benchmarks). Skips none: rejects on any duplicate. */
  importUsers(users: NewUser[]): Promise<UserRecord[]>;
  userByKey(nameKey: string): UserRecord | undefined;
  userById(id: number): UserRecord | undefined;
  userCount(): number;

  // Sessions (login tokens)
  createSession(session: SessionRecord): Promise<void>;
  sessionByTokenHash(tokenHash: string): SessionRecord | undefined;
  deleteSession(tokenHash: string): Promise<void>;
  /** Removes sessions that expired before `now`. */
  deleteExpiredSessions(now: number): Promise<number>;

  // Rooms and membership
  /** Creates the room, or returns the existing one with that nameKey. */
  ensureRoom(name: string, nameKey: string, createdAt: number): Promise<RoomRecord>;
  roomByKey(nameKey: string): RoomRecord | undefined;
  roomById(id: number): RoomRecord | undefined;
  listRooms(): RoomRecord[];
  /** Idempotent. */
  addMember(roomId: number, userId: number): Promise<void>;
  /** Idempotent. */
  removeMember(roomId: number, userId: number): Promise<void>;
  roomsOfUser(userId: number): RoomRecord[];
  /** Whether the user is a member of the room (false for a room or user that does not exist). */
  isMember(roomId: number, userId: number): boolean;
  memberIds(roomId: number): number[];
  memberCount(roomId: number): number;

  // Messages
  /** Assigns the id (monotonic across the whole store). */
  appendMessage(message: NewMessage): Promise<MessageRecord>;
  /** Newest first is NOT what callers get: pages are returned oldest first. */
  messagesBefore(roomId: number, beforeId: number | undefined, limit: number): MessageRecord[];
  /** Messages with id > afterId, oldest first. */
  messagesAfter(roomId: number, afterId: number, limit: number): MessageRecord[];
  messageCount(): number;

  // Durability
  health(): StoreHealth;
  /** Writes a snapshot of everything committed so far (mutations go on meanwhile) and drops the journal it replaces. */
  snapshot(): Promise<void>;
  /** Flushes everything pending and closes files. The store is unusable afterwards. */
  close(): Promise<void>;
}
