// Schema as numbered, append-only migrations. A released migration is never
// edited: change the schema by adding the next one. Each runs in its own
// transaction and records itself in schema_version.
//
// Migrations run in memory at every open, between loading the snapshot and
// replaying the journal (journal records are logical, so they replay onto
// the newest schema); the store then snapshots so the upgrade is on disk.

import type { Database } from 'sql.js';
import { StoreError } from './chat-store.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users, sessions, rooms, members, messages',
    sql: `
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE rooms (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE members (
        room_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        PRIMARY KEY (room_id, user_id)
      ) WITHOUT ROWID;
      CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        room_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        body TEXT NOT NULL,
        sent_at INTEGER NOT NULL
      );
      CREATE INDEX messages_room_id ON messages (room_id, id);
    `,
  },
  {
    version: 2,
    name: 'indexes for session expiry and the rooms of a user',
    sql: `
      CREATE INDEX sessions_expires_at ON sessions (expires_at);
      CREATE INDEX members_user_id ON members (user_id, room_id);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1]!.version;

export function schemaVersion(db: Database): number {
  const exists = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (exists.length === 0) return 0;
  const rows = db.exec('SELECT COALESCE(MAX(version), 0) FROM schema_version');
  return Number(rows[0]?.values[0]?.[0] ?? 0);
}

/** Brings the database up to `target` (default: latest); returns the versions applied. */
export function migrate(db: Database, target: number = LATEST_SCHEMA_VERSION): number[] {
  db.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL)');
  const current = schemaVersion(db);
  if (current > LATEST_SCHEMA_VERSION) {
    throw new StoreError(
      'corrupt',
      `database schema version ${current} is newer than this program knows (${LATEST_SCHEMA_VERSION}); refusing to open it`,
    );
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= current || migration.version > target) continue;
    db.run('BEGIN');
    try {
      db.run(migration.sql);
      db.run('INSERT INTO schema_version (version, name) VALUES (?, ?)', [migration.version, migration.name]);
      db.run('COMMIT');
    } catch (error) {
      db.run('ROLLBACK');
      throw error;
    }
    applied.push(migration.version);
  }
  return applied;
}
