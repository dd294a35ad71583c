// Operator account import: many accounts at once from pre-computed password
// hashes, without running scrypt per account and without weakening the
// server's defaults (the hashes are the server's own encoded scrypt strings;
// see accounts/password-hash.ts). Used by `securechat import-users FILE`
// and by the benchmarks to provision thousands of accounts.
//
// Input: JSON lines, one account per line, `{"username": …, "passwordHash":
// "scrypt$17$8$1$<salt>$<hash>"}`; blank lines are ignored. The whole file is
// checked before anything is written: one bad line (with its number in the
// error) and nothing is imported. Each account joins `general`, as a
// registration does.
//
// Run with the server stopped: the store lives in one process's memory. The
// import takes the server's data-folder lock, so it refuses to run beside a
// server on the same folder (and a server refuses to start during an import).

import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PasswordHashError, decodePasswordHash, validateRoomName, validateUsername } from './accounts/index.ts';
import { lockDataDir } from './data-lock.ts';
import type { ChatStore, NewUser } from './store/chat-store.ts';
import { SqlJsStore, type StoreLog } from './store/index.ts';

/** The room every account belongs to (server.ts GENERAL_ROOM; not imported to keep the server out of the CLI path). */
const GENERAL_ROOM = 'general';

export class ImportError extends Error {
  constructor(
    /** 1-based line of the input, when one line is at fault. */
    readonly line: number | undefined,
    message: string,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'ImportError';
  }
}

export interface ImportEntry {
  /** 1-based line number in the input, for messages. */
  line: number;
  name: string;
  nameKey: string;
  passwordHash: string;
}

export interface ImportReport {
  imported: number;
  room: string;
}

/** Parses and checks every line; throws ImportError naming the first bad line. Nothing is written. */
export function parseImportLines(text: string): ImportEntry[] {
  const entries: ImportEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ImportError(line, 'not a JSON object');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ImportError(line, 'not a JSON object');
    }
    const record = value as Record<string, unknown>;
    const extra = Object.keys(record).filter((key) => key !== 'username' && key !== 'passwordHash');
    if (extra.length > 0) throw new ImportError(line, `unknown field "${extra[0]}" (expected username and passwordHash)`);
    const { username, passwordHash } = record;
    if (typeof username !== 'string') throw new ImportError(line, '"username" must be a string');
    if (typeof passwordHash !== 'string') throw new ImportError(line, '"passwordHash" must be a string');
    const name = validateUsername(username);
    if (!name.ok) throw new ImportError(line, name.reason);
    try {
      decodePasswordHash(passwordHash);
    } catch (error) {
      if (error instanceof PasswordHashError) throw new ImportError(line, error.message);
      throw error;
    }
    const earlier = seen.get(name.key);
    if (earlier !== undefined) throw new ImportError(line, `the name "${name.name}" is already on line ${earlier}`);
    seen.set(name.key, line);
    entries.push({ line, name: name.name, nameKey: name.key, passwordHash });
  }
  return entries;
}

/**
 * Adds the accounts to an open store and makes each a member of `general`.
 * Refuses (before writing anything) when any name already exists.
 */
export async function importAccounts(store: ChatStore, entries: ImportEntry[], now = Date.now()): Promise<ImportReport> {
  for (const entry of entries) {
    if (store.userByKey(entry.nameKey)) {
      throw new ImportError(entry.line, `the name "${entry.name}" is already taken on this server`);
    }
  }
  const general = validateRoomName(GENERAL_ROOM);
  if (!general.ok) throw new Error('the default room name is invalid');
  const room = await store.ensureRoom(general.name, general.key, now);
  if (entries.length === 0) return { imported: 0, room: room.name };
  const users: NewUser[] = entries.map(({ name, nameKey, passwordHash }) => ({ name, nameKey, passwordHash, createdAt: now }));
  const records = await store.importUsers(users);
  // Membership follows in the next group commit: the accounts are durable
  // first, then their memberships (as registration does it: user, then member).
  await Promise.all(records.map((user) => store.addMember(room.id, user.id)));
  return { imported: records.length, room: room.name };
}

/** The whole operator path: read FILE, check it, open the store in `storeDir`, import, close. */
export async function importUsersFromFile(file: string, storeDir: string, log?: StoreLog): Promise<ImportReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ImportError(undefined, `cannot read ${file}: ${(error as Error).message}`);
  }
  const entries = parseImportLines(text);
  // The server's lock lives in its data folder, the one above its store.
  const dataDir = dirname(storeDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let lock;
  try {
    lock = lockDataDir(dataDir);
  } catch (error) {
    throw new ImportError(undefined, (error as Error).message);
  }
  try {
    const store = await SqlJsStore.open(log === undefined ? { dir: storeDir } : { dir: storeDir, log });
    try {
      return await importAccounts(store, entries);
    } finally {
      await store.close();
    }
  } finally {
    lock.release();
  }
}

/** Where the server keeps its store inside its data folder (server.ts opens the same). */
export function storeDirOf(serverDataDir: string): string {
  return join(serverDataDir, 'store');
}
