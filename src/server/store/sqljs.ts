// Loads the sql.js WebAssembly module once per process.

import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs();
  return loading;
}

/**
 * A database from a SQLite image, or an empty one, set up for a database
 * that only ever lives in this process's memory:
 *
 * - journal_mode=MEMORY: SQLite's rollback journal in plain memory. With the
 *   default (DELETE) sql.js writes it as a file in Emscripten's in-memory
 *   file system, which costs several times the INSERT itself.
 * - locking_mode=EXCLUSIVE: the connection keeps its (in-process, no-op)
 *   file lock instead of dropping it after every statement. In the default
 *   NORMAL mode every statement outside a transaction starts a new read or
 *   write transaction that checks for a hot journal and re-validates the
 *   page cache through Emscripten's file-system calls, which costs more than
 *   the look-up itself.
 *
 * Why that is safe: the database file is private to this connection (sql.js
 * gives each Database its own file in MEMFS; export() copies it through the
 * backup API on this same connection) and never outlives the process, so
 * SQLite's journal and locks protect nothing across a crash. Durability
 * comes from the store's journal file and snapshots (README.md in this
 * folder). MEMORY keeps the rollback journal, only not as a file, so
 * BEGIN ... ROLLBACK (migrations, importUsers) and statement rollback work as
 * before; OFF would break ROLLBACK once a transaction outgrows the page
 * cache. Both settings belong to the connection, not the image: export()
 * keeps them and writes an ordinary rollback-journal file. Measured in
 * bench/micro/store.ts; tested in test/store/sqlite-journal.test.ts.
 */
export async function newDatabase(image?: Uint8Array): Promise<Database> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(image);
  try {
    db.exec('PRAGMA journal_mode=MEMORY; PRAGMA locking_mode=EXCLUSIVE');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
