// Shared test tools: temp folders, a store with a quiet log, and a file
// system wrapper that counts operations and injects faults and crashes.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../../src/server/store/chat-store.ts';
import { journalFiles } from '../../src/server/store/journal.ts';
import { SqlJsStore, type SqlJsStoreOptions } from '../../src/server/store/sqljs-store.ts';
import {
  nodeFileSystem,
  type OpenMode,
  type StoreFile,
  type StoreFileSystem,
} from '../../src/server/store/store-fs.ts';

export async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'securechat-store-'));
  try {
    await body(join(root, 'data'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export interface LogLine {
  event: string;
  fields: Record<string, unknown>;
}

export function openStore(
  dir: string,
  options: Partial<SqlJsStoreOptions> = {},
): Promise<SqlJsStore> & { logs: LogLine[] } {
  const logs: LogLine[] = [];
  const opening = SqlJsStore.open({
    dir,
    retryEveryMs: 20,
    log: (event, fields) => logs.push({ event, fields }),
    ...options,
  });
  return Object.assign(opening, { logs });
}

/** A user, a room and membership: what every message needs. */
export async function seed(store: SqlJsStore): Promise<{ userId: number; roomId: number }> {
  const user = await store.createUser({ name: 'Ann', nameKey: 'ann', passwordHash: 'scrypt$x', createdAt: 1 });
  const room = await store.ensureRoom('general', 'general', 2);
  await store.addMember(room.id, user.id);
  return { userId: user.id, roomId: room.id };
}

export function errno(code: string, op: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault, ${op}`), { code });
}

export type Op = 'open' | 'write' | 'datasync' | 'sync' | 'truncate' | 'close' | 'rename' | 'unlink' | 'syncDir';

/**
 * Wraps the real file system. `faults` can be switched on and off while a
 * store runs. `crashAt` freezes the disk at one operation (performed or not):
 * every later operation fails, so the files stay exactly as a process killed
 * at that moment would leave them.
 */
export class FaultyFs implements StoreFileSystem {
  readonly counts: Record<Op, number> = {
    open: 0, write: 0, datasync: 0, sync: 0, truncate: 0, close: 0, rename: 0, unlink: 0, syncDir: 0,
  };
  /** Every operation, as "op file", in order. */
  readonly ops: string[] = [];
  faults = { sync: false, enospc: false, rename: false };
  crashAt: { index: number; performed: boolean } | undefined;
  /** Like crashAt, at the nth (default first) operation with this label ("rename snapshot.sqlite", as in `ops`). */
  crashAtOp: { op: string; nth?: number; performed: boolean } | undefined;
  crashed = false;
  /**
   * Called before each operation with its label: return a promise to hold
   * the operation until it settles (a slow disk), throw or reject to fail it
   * without performing it.
   */
  intercept: ((op: string) => Promise<void> | void) | undefined;

  constructor(private readonly real: StoreFileSystem = nodeFileSystem) {}

  private async step<T>(op: Op, path: string, perform: () => Promise<T>): Promise<T> {
    if (this.crashed) throw errno('EIO', `${op} after crash`);
    const index = this.ops.length;
    const label = `${op} ${basename(path)}`;
    this.ops.push(label);
    this.counts[op]++;
    if (this.intercept) {
      await this.intercept(label);
      if (this.crashed) throw errno('EIO', `${op} after crash`);
    }
    const byLabel = this.crashAtOp?.op === label && this.ops.filter((o) => o === label).length === (this.crashAtOp.nth ?? 1);
    const crash = this.crashAt?.index === index ? this.crashAt : byLabel ? this.crashAtOp : undefined;
    if (crash) {
      this.crashed = true;
      if (crash.performed) {
        const result = await perform();
        // An opened file the caller will never see: release it.
        if (op === 'open') await (result as StoreFile).close();
      }
      throw errno('EIO', `crash at ${op}`);
    }
    return perform();
  }

  mkdir(path: string, mode: number) {
    return this.real.mkdir(path, mode);
  }
  readFile(path: string) {
    return this.real.readFile(path);
  }
  readdir(path: string) {
    return this.real.readdir(path);
  }
  unlink(path: string) {
    return this.step('unlink', path, () => this.real.unlink(path));
  }
  rename(from: string, to: string) {
    return this.step('rename', to, async () => {
      if (this.faults.rename) throw errno('EIO', 'rename');
      return this.real.rename(from, to);
    });
  }
  syncDir(path: string) {
    return this.step('syncDir', path, async () => {
      if (this.faults.sync) throw errno('EIO', 'fsync');
      return this.real.syncDir(path);
    });
  }
  async open(path: string, mode: OpenMode, fileMode: number): Promise<StoreFile> {
    const file = await this.step('open', path, () => this.real.open(path, mode, fileMode));
    const syncing = (op: 'datasync' | 'sync') => () =>
      this.step(op, path, async () => {
        if (this.faults.sync) throw errno('EIO', op);
        return file[op]();
      });
    return {
      write: (data, position) =>
        this.step('write', path, async () => {
          if (this.faults.enospc) {
            // Like a full disk: part of the data lands, then the error.
            await file.write(data.subarray(0, data.length >> 1), position);
            throw errno('ENOSPC', 'write');
          }
          return file.write(data, position);
        }),
      datasync: syncing('datasync'),
      sync: syncing('sync'),
      truncate: (length) => this.step('truncate', path, () => file.truncate(length)),
      // Closing always releases the descriptor, even after a crash.
      close: () => file.close(),
    };
  }
}

/** The journal files in a store folder, oldest generation first (journal.log, journal.1.log, ...). */
export async function journalNames(dir: string): Promise<string[]> {
  return journalFiles(await readdir(dir)).map((j) => j.name);
}

/** The journal file appends go to: the newest generation. */
export async function currentJournal(dir: string): Promise<string> {
  const names = await journalNames(dir);
  if (names.length === 0) throw new Error(`no journal file in ${dir}`);
  return join(dir, names.at(-1)!);
}

/** Message ids in a room, oldest first. */
export function allMessageIds(store: SqlJsStore, roomId: number): number[] {
  return store.messagesAfter(roomId, 0, 1_000_000).map((m) => m.id);
}

export const isUnavailable = (error: unknown) => error instanceof StoreError && error.code === 'unavailable';

export async function waitUntil(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Appends and records which were acknowledged and which were refused. */
export class Writer {
  acked: { id: number; body: string }[] = [];
  refused: string[] = [];
  private n = 0;
  constructor(
    private readonly store: SqlJsStore,
    private readonly roomId: number,
    private readonly userId: number,
    private readonly prefix = 'msg',
  ) {}
  send(): Promise<void> {
    const body = `${this.prefix}-${this.n++}`;
    return this.store.appendMessage({ roomId: this.roomId, userId: this.userId, body, sentAt: this.n }).then(
      (m) => void this.acked.push({ id: m.id, body }),
      (error: unknown) => {
        assert.ok(isUnavailable(error), String(error));
        this.refused.push(body);
      },
    );
  }
  sendMany(count: number): Promise<void> {
    return Promise.all(Array.from({ length: count }, () => this.send())).then(() => undefined);
  }
}

/** Reopens with the real file system: every acknowledged message is there, once; nothing is doubled. */
export async function assertDurable(dir: string, roomId: number, writer: Writer): Promise<void> {
  const store = await openStore(dir);
  try {
    const rows = store.messagesAfter(roomId, 0, 1_000_000);
    const byBody = new Map<string, number>();
    for (const row of rows) byBody.set(row.body, (byBody.get(row.body) ?? 0) + 1);
    for (const { id, body } of writer.acked) {
      assert.equal(byBody.get(body), 1, `acknowledged ${body} present exactly once`);
      assert.equal(rows.find((r) => r.body === body)!.id, id);
    }
    assert.ok([...byBody.values()].every((n) => n === 1), 'no message applied twice');
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length);
    assert.deepEqual(store.integrityCheck(), ['ok']);
  } finally {
    await store.close();
  }
}
