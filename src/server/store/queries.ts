// Every SQL statement the store runs, prepared once and cached. The cache is
// dropped after each db.export(): older sql.js versions free all prepared
// statements there (1.17 keeps them, but re-preparing is cheap and keeps us
// safe across versions).

import type { BindParams, Database, SqlValue, Statement } from 'sql.js';
import type { MessageRecord, RoomRecord, SessionRecord, UserRecord } from './chat-store.ts';

const SQL = {
  userByKey: 'SELECT id, name, name_key, password_hash, created_at FROM users WHERE name_key = ?',
  userById: 'SELECT id, name, name_key, password_hash, created_at FROM users WHERE id = ?',
  insertUser: 'INSERT INTO users (id, name, name_key, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
  sessionByHash: 'SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = ?',
  insertSession: 'INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
  deleteSession: 'DELETE FROM sessions WHERE token_hash = ?',
  deleteExpired: 'DELETE FROM sessions WHERE expires_at < ?',
  roomByKey: 'SELECT id, name, name_key, created_at FROM rooms WHERE name_key = ?',
  roomById: 'SELECT id, name, name_key, created_at FROM rooms WHERE id = ?',
  roomAndUserExist: 'SELECT EXISTS (SELECT 1 FROM rooms WHERE id = ?), EXISTS (SELECT 1 FROM users WHERE id = ?)',
  listRooms: 'SELECT id, name, name_key, created_at FROM rooms ORDER BY id',
  insertRoom: 'INSERT INTO rooms (id, name, name_key, created_at) VALUES (?, ?, ?, ?)',
  addMember: 'INSERT OR IGNORE INTO members (room_id, user_id) VALUES (?, ?)',
  removeMember: 'DELETE FROM members WHERE room_id = ? AND user_id = ?',
  // Ordered by m.room_id (= r.id): the members_user_id index yields that order, so no sort.
  roomsOfUser:
    'SELECT r.id, r.name, r.name_key, r.created_at FROM members m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = ? ORDER BY m.room_id',
  // The members table's primary key (room_id, user_id): one b-tree probe, no row read.
  isMember: 'SELECT EXISTS (SELECT 1 FROM members WHERE room_id = ? AND user_id = ?)',
  memberIds: 'SELECT user_id FROM members WHERE room_id = ? ORDER BY user_id',
  memberCount: 'SELECT COUNT(*) FROM members WHERE room_id = ?',
  insertMessage: 'INSERT INTO messages (id, room_id, user_id, body, sent_at) VALUES (?, ?, ?, ?, ?)',
  messagesBefore:
    'SELECT id, room_id, user_id, body, sent_at FROM messages WHERE room_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
  messagesAfter:
    'SELECT id, room_id, user_id, body, sent_at FROM messages WHERE room_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?',
} as const;

type Name = keyof typeof SQL;

const toUser = (r: SqlValue[]): UserRecord => ({
  id: Number(r[0]),
  name: String(r[1]),
  nameKey: String(r[2]),
  passwordHash: String(r[3]),
  createdAt: Number(r[4]),
});
const toSession = (r: SqlValue[]): SessionRecord => ({
  tokenHash: String(r[0]),
  userId: Number(r[1]),
  createdAt: Number(r[2]),
  expiresAt: Number(r[3]),
});
const toRoom = (r: SqlValue[]): RoomRecord => ({
  id: Number(r[0]),
  name: String(r[1]),
  nameKey: String(r[2]),
  createdAt: Number(r[3]),
});
const toMessage = (r: SqlValue[]): MessageRecord => ({
  id: Number(r[0]),
  roomId: Number(r[1]),
  userId: Number(r[2]),
  body: String(r[3]),
  sentAt: Number(r[4]),
});

export class Queries {
  private cache = new Map<Name, Statement>();

  constructor(readonly db: Database) {}

  /** Call after db.export(). */
  invalidate(): void {
    for (const statement of this.cache.values()) {
      try {
        statement.free();
      } catch {
        // already freed by export() in older sql.js
      }
    }
    this.cache.clear();
  }

  private statement(name: Name): Statement {
    let statement = this.cache.get(name);
    if (!statement) {
      statement = this.db.prepare(SQL[name]);
      this.cache.set(name, statement);
    }
    return statement;
  }

  private rows<T>(name: Name, params: BindParams, map: (row: SqlValue[]) => T): T[] {
    const statement = this.statement(name);
    try {
      statement.bind(params);
      const out: T[] = [];
      while (statement.step()) out.push(map(statement.get()));
      return out;
    } finally {
      statement.reset();
    }
  }

  private first<T>(name: Name, params: BindParams, map: (row: SqlValue[]) => T): T | undefined {
    return this.rows(name, params, map)[0];
  }

  /** Runs a write; returns the number of rows it changed. */
  private change(name: Name, params: BindParams): number {
    this.statement(name).run(params);
    return this.db.getRowsModified();
  }

  userByKey = (key: string) => this.first('userByKey', [key], toUser);
  userById = (id: number) => this.first('userById', [id], toUser);
  insertUser = (u: UserRecord) => this.change('insertUser', [u.id, u.name, u.nameKey, u.passwordHash, u.createdAt]);
  sessionByHash = (hash: string) => this.first('sessionByHash', [hash], toSession);
  insertSession = (s: SessionRecord) =>
    this.change('insertSession', [s.tokenHash, s.userId, s.createdAt, s.expiresAt]);
  deleteSession = (hash: string) => this.change('deleteSession', [hash]);
  deleteExpired = (now: number) => this.change('deleteExpired', [now]);
  roomByKey = (key: string) => this.first('roomByKey', [key], toRoom);
  roomById = (id: number) => this.first('roomById', [id], toRoom);
  /** Whether room `roomId` and user `userId` exist, in one statement and without reading their rows. */
  roomAndUserExist = (roomId: number, userId: number) =>
    this.first('roomAndUserExist', [roomId, userId], (r) => ({ room: r[0] === 1, user: r[1] === 1 }))!;
  listRooms = () => this.rows('listRooms', [], toRoom);
  insertRoom = (r: RoomRecord) => this.change('insertRoom', [r.id, r.name, r.nameKey, r.createdAt]);
  addMember = (roomId: number, userId: number) => this.change('addMember', [roomId, userId]);
  removeMember = (roomId: number, userId: number) => this.change('removeMember', [roomId, userId]);
  roomsOfUser = (userId: number) => this.rows('roomsOfUser', [userId], toRoom);
  isMember = (roomId: number, userId: number) => this.first('isMember', [roomId, userId], (r) => r[0] === 1)!;
  memberIds = (roomId: number) => this.rows('memberIds', [roomId], (r) => Number(r[0]));
  memberCount = (roomId: number) => this.first('memberCount', [roomId], (r) => Number(r[0])) ?? 0;
  insertMessage = (m: MessageRecord) => this.change('insertMessage', [m.id, m.roomId, m.userId, m.body, m.sentAt]);
  messagesBefore = (roomId: number, beforeId: number, limit: number) =>
    this.rows('messagesBefore', [roomId, beforeId, limit], toMessage).reverse();
  messagesAfter = (roomId: number, afterId: number, upToId: number, limit: number) =>
    this.rows('messagesAfter', [roomId, afterId, upToId, limit], toMessage);

  /** One-off scalar (counts, max ids) outside the hot paths. */
  scalar(sql: string): number {
    return Number(this.db.exec(sql)[0]?.values[0]?.[0] ?? 0);
  }

  /** Runs `body` in one transaction: all of it or none. */
  transaction<T>(body: () => T): T {
    this.db.run('BEGIN');
    try {
      const result = body();
      this.db.run('COMMIT');
      return result;
    } catch (error) {
      this.db.run('ROLLBACK');
      throw error;
    }
  }
}
