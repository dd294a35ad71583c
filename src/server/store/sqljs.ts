// Loads the sql.js WebAssembly module once per process.

import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs();
  return loading;
}

/** A database from a SQLite image, or an empty one. */
export async function newDatabase(image?: Uint8Array): Promise<Database> {
  const SQL = await loadSqlJs();
  return new SQL.Database(image);
}
