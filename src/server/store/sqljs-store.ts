// The ChatStore on sql.js: the whole database in memory, made durable by a
// journal and snapshots beside it (see README.md in this folder).
//
// A mutation is checked, applied to memory and journaled in the same
// synchronous step, so reads see it at once and ids come out in order; its
// promise settles when the journal fsync (or a snapshot) covering it is done.

import { join } from 'node:path';
import type { Database } from 'sql.js';
import {
  StoreError,
  type ChatStore,
  type MessageRecord,
  type NewMessage,
  type NewUser,
  type RoomRecord,
  type SessionRecord,
  type StoreHealth,
  type UserRecord,
} from './chat-store.ts';
import { applyMutation } from './apply.ts';
import { Durability, type StoreLog } from './durability.ts';
import { JOURNAL_FILE, JournalFile } from './journal.ts';
import { encodeRecord, type Mutation } from './journal-records.ts';
import { schemaVersion } from './migrations.ts';
import { Queries } from './queries.ts';
import { recoverState } from './recovery.ts';
import { DIR_MODE, nodeFileSystem, type StoreFileSystem } from './store-fs.ts';

export interface SqlJsStoreOptions {
  dir: string;
  /** Snapshot after this many journal records (default 10,000)... */
  snapshotEveryRecords?: number;
  /**
   * ...and once the journal since the last snapshot is at least this
   * fraction (default 1/8) of the snapshot image's size beyond 16 MiB, so
   * that the export, whose cost grows with the database and blocks the event
   * loop, stays a bounded share of the time (README.md, "Snapshot trigger and write").
   */
  snapshotJournalFraction?: number;
  /** Snapshot this often when anything changed (default 10 minutes). */
  snapshotEveryMs?: number;
  /** How long a record reaching an idle journal waits for company (default 0: the next event-loop turn). */
  groupCommitMaxDelayMs?: number;
  /** While unavailable, how often to try to recover (default 1 second). */
  retryEveryMs?: number;
  log?: StoreLog;
  fs?: StoreFileSystem;
}

const defaultLog: StoreLog = (event, fields) => {
  process.stderr.write(`${JSON.stringify({ component: 'store', event, ...fields })}\n`);
};

/** sql.js reports constraint failures only in the message text. */
function asStoreError(error: unknown): unknown {
  if (error instanceof Error && /UNIQUE constraint failed|PRIMARY KEY/i.test(error.message)) {
    return new StoreError('duplicate', error.message);
  }
  return error;
}

/** Only the known fields: whatever else a caller's object carries stays out of the journal. */
function userRecord(id: number, u: NewUser): UserRecord {
  return { id, name: u.name, nameKey: u.nameKey, passwordHash: u.passwordHash, createdAt: u.createdAt };
}

export class SqlJsStore implements ChatStore {
  private readonly q: Queries;
  private nextUserId: number;
  private nextRoomId: number;
  private nextMessageId: number;
  /**
   * Highest message id known to be durable. Reads of history stop there: a
   * line is in memory before its journal record is fsync'd, and a history
   * request answered in between must not show a line that a crash could
   * still take back (nor show it before its live delivery, which waits for
   * durability too).
   */
  private durableMessageId: number;
  private users: number;
  private messages: number;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: Database,
    private readonly durability: Durability,
    q: Queries,
  ) {
    this.q = q;
    this.nextUserId = q.scalar('SELECT COALESCE(MAX(id), 0) FROM users') + 1;
    this.nextRoomId = q.scalar('SELECT COALESCE(MAX(id), 0) FROM rooms') + 1;
    this.nextMessageId = q.scalar('SELECT COALESCE(MAX(id), 0) FROM messages') + 1;
    this.durableMessageId = this.nextMessageId - 1;
    this.users = q.scalar('SELECT COUNT(*) FROM users');
    this.messages = q.scalar('SELECT COUNT(*) FROM messages');
  }

  static async open(options: SqlJsStoreOptions): Promise<SqlJsStore> {
    const fs = options.fs ?? nodeFileSystem;
    const log = options.log ?? defaultLog;
    await fs.mkdir(options.dir, DIR_MODE);
    const state = await recoverState(fs, options.dir, log);
    const q = new Queries(state.db);
    // Appends go on in the newest journal file; a store without one starts journal.log.
    const current = state.journals.at(-1);
    let journal: JournalFile;
    try {
      journal = current
        ? await JournalFile.open(fs, join(options.dir, current.name), current.size)
        : await JournalFile.start(fs, options.dir, JOURNAL_FILE, false);
    } catch (error) {
      state.db.close();
      throw error;
    }
    const durability = new Durability({
      fs,
      dir: options.dir,
      journal,
      olderJournals: state.journals.slice(0, -1).map((j) => join(options.dir, j.name)),
      nextGeneration: state.nextGeneration,
      lastSeq: state.lastSeq,
      snapshotSeq: state.snapshotSeq,
      imageBytes: state.imageBytes,
      snapshotEveryRecords: options.snapshotEveryRecords ?? 10_000,
      snapshotJournalFraction: options.snapshotJournalFraction ?? 1 / 8,
      snapshotEveryMs: options.snapshotEveryMs ?? 10 * 60_000,
      groupCommitMaxDelayMs: options.groupCommitMaxDelayMs ?? 0,
      retryEveryMs: options.retryEveryMs ?? 1000,
      log,
      exportImage: () => {
        const image = state.db.export();
        q.invalidate();
        return image;
      },
    });
    const store = new SqlJsStore(state.db, durability, q);
    // A new store, or an upgraded schema, goes to disk at once rather than at the next snapshot.
    if (!state.snapshotPresent || state.migrated.length > 0) {
      try {
        await durability.checkpoint();
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    return store;
  }

  /**
   * The one write path: refuse when unavailable, apply to memory (which
   * checks constraints), then journal. A no-op (0 rows changed) is not
   * journaled but still waits until everything before it is durable.
   */
  private async write<T>(mutation: () => Mutation, result: (changed: number) => T): Promise<T> {
    const refusal = this.durability.refusal();
    if (refusal) throw refusal;
    let m: Mutation;
    let changed: number;
    try {
      m = mutation();
      changed = applyMutation(this.q, m);
    } catch (error) {
      throw asStoreError(error);
    }
    const value = result(changed);
    if (changed === 0) await this.durability.barrier();
    else await this.durability.commit((seq) => encodeRecord({ ...m, seq }));
    return value;
  }

  // Accounts

  createUser(user: NewUser): Promise<UserRecord> {
    const record = userRecord(this.nextUserId, user);
    return this.write(
      () => {
        if (this.q.userByKey(user.nameKey)) throw new StoreError('duplicate', `user ${user.nameKey} exists`);
        return { kind: 'createUser', user: record };
      },
      () => {
        this.nextUserId++;
        this.users++;
        return record;
      },
    );
  }

  importUsers(users: NewUser[]): Promise<UserRecord[]> {
    const records = users.map((user, i) => userRecord(this.nextUserId + i, user));
    return this.write(
      () => {
        const keys = new Set<string>();
        for (const user of records) {
          if (keys.has(user.nameKey) || this.q.userByKey(user.nameKey)) {
            throw new StoreError('duplicate', `user ${user.nameKey} exists`);
          }
          keys.add(user.nameKey);
        }
        return { kind: 'importUsers', users: records };
      },
      () => {
        this.nextUserId += records.length;
        this.users += records.length;
        return records;
      },
    );
  }

  userByKey(nameKey: string): UserRecord | undefined {
    return this.q.userByKey(nameKey);
  }

  userById(id: number): UserRecord | undefined {
    return this.q.userById(id);
  }

  userCount(): number {
    return this.users;
  }

  // Sessions

  createSession(session: SessionRecord): Promise<void> {
    return this.write(
      () => {
        if (!this.q.userById(session.userId)) throw new StoreError('not_found', `no user ${session.userId}`);
        if (this.q.sessionByHash(session.tokenHash)) throw new StoreError('duplicate', 'session exists');
        const { tokenHash, userId, createdAt, expiresAt } = session;
        return { kind: 'createSession', session: { tokenHash, userId, createdAt, expiresAt } };
      },
      () => undefined,
    );
  }

  sessionByTokenHash(tokenHash: string): SessionRecord | undefined {
    return this.q.sessionByHash(tokenHash);
  }

  deleteSession(tokenHash: string): Promise<void> {
    return this.write(
      () => ({ kind: 'deleteSession', tokenHash }),
      () => undefined,
    );
  }

  deleteExpiredSessions(now: number): Promise<number> {
    return this.write(
      () => ({ kind: 'deleteExpiredSessions', now }),
      (changed) => changed,
    );
  }

  // Rooms and membership

  async ensureRoom(name: string, nameKey: string, createdAt: number): Promise<RoomRecord> {
    const existing = this.q.roomByKey(nameKey);
    if (existing) {
      await this.durability.barrier();
      return existing;
    }
    const room: RoomRecord = { id: this.nextRoomId, name, nameKey, createdAt };
    return this.write(
      () => ({ kind: 'createRoom', room }),
      () => {
        this.nextRoomId++;
        return room;
      },
    );
  }

  roomByKey(nameKey: string): RoomRecord | undefined {
    return this.q.roomByKey(nameKey);
  }

  roomById(id: number): RoomRecord | undefined {
    return this.q.roomById(id);
  }

  listRooms(): RoomRecord[] {
    return this.q.listRooms();
  }

  addMember(roomId: number, userId: number): Promise<void> {
    return this.write(
      () => {
        if (!this.q.roomById(roomId)) throw new StoreError('not_found', `no room ${roomId}`);
        if (!this.q.userById(userId)) throw new StoreError('not_found', `no user ${userId}`);
        return { kind: 'addMember', roomId, userId };
      },
      () => undefined,
    );
  }

  removeMember(roomId: number, userId: number): Promise<void> {
    return this.write(
      () => ({ kind: 'removeMember', roomId, userId }),
      () => undefined,
    );
  }

  roomsOfUser(userId: number): RoomRecord[] {
    return this.q.roomsOfUser(userId);
  }

  isMember(roomId: number, userId: number): boolean {
    return this.q.isMember(roomId, userId);
  }

  memberIds(roomId: number): number[] {
    return this.q.memberIds(roomId);
  }

  memberCount(roomId: number): number {
    return this.q.memberCount(roomId);
  }

  // Messages

  async appendMessage(message: NewMessage): Promise<MessageRecord> {
    const { roomId, userId, body, sentAt } = message;
    const record: MessageRecord = { id: this.nextMessageId, roomId, userId, body, sentAt };
    const stored = await this.write(
      () => {
        // Per line: one existence check for both, rather than reading the room's and the user's rows.
        const exists = this.q.roomAndUserExist(roomId, userId);
        if (!exists.room) throw new StoreError('not_found', `no room ${roomId}`);
        if (!exists.user) throw new StoreError('not_found', `no user ${userId}`);
        return { kind: 'appendMessage', message: record };
      },
      () => {
        this.nextMessageId++;
        this.messages++;
        return record;
      },
    );
    // Records become durable in order: every line up to this one is durable now.
    this.durableMessageId = Math.max(this.durableMessageId, stored.id);
    return stored;
  }

  messagesBefore(roomId: number, beforeId: number | undefined, limit: number): MessageRecord[] {
    if (!(limit >= 1)) return [];
    const below = Math.min(beforeId ?? Number.MAX_SAFE_INTEGER, this.durableMessageId + 1);
    return this.q.messagesBefore(roomId, below, Math.floor(limit));
  }

  messagesAfter(roomId: number, afterId: number, limit: number): MessageRecord[] {
    if (!(limit >= 1)) return [];
    return this.q.messagesAfter(roomId, afterId, this.durableMessageId, Math.floor(limit));
  }

  messageCount(): number {
    return this.messages;
  }

  // Durability

  health(): StoreHealth {
    return this.durability.health();
  }

  snapshot(): Promise<void> {
    return this.durability.snapshot();
  }

  async close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = this.durability.close().finally(() => {
      this.q.invalidate();
      this.db.close();
    });
    return this.closing;
  }

  // Operator checks (not part of ChatStore)

  /** SQLite's PRAGMA integrity_check: ['ok'] when the database is sound. */
  integrityCheck(): string[] {
    return (this.db.exec('PRAGMA integrity_check')[0]?.values ?? []).map((row) => String(row[0]));
  }

  schemaVersion(): number {
    return schemaVersion(this.db);
  }
}
