// Loads the sql.js WebAssembly module once per process.

import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs();
  return loading;
}

/**
 * A database from a SQLite image, or an empty one, with SQLite's rollback
 * journal in plain memory (journal_mode=MEMORY).
 *
 * Why that is safe: the database lives only in memory, so SQLite's own
 * journal protects nothing across a crash; durability comes from the store's
 * journal file and snapshots (README.md in this folder). With the default
 * mode (DELETE) sql.js writes the rollback journal as a file in Emscripten's
 * in-memory file system, which costs several times the INSERT itself
 * (bench/micro/store.ts). MEMORY keeps the journal, only not as a file, so
 * BEGIN ... ROLLBACK (migrations, importUsers) and statement rollback work as
 * before (test/store/sqlite-journal.test.ts); OFF would break ROLLBACK. The
 * mode belongs to the connection, not to the image: export() keeps it and
 * does not write it into the snapshot.
 */
export async function newDatabase(image?: Uint8Array): Promise<Database> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(image);
  try {
    db.exec('PRAGMA journal_mode=MEMORY');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
