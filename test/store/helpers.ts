// Shared test tools: temp folders, a store with a quiet log, and a file
// system wrapper that counts operations and injects faults and crashes.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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
  crashed = false;

  constructor(private readonly real: StoreFileSystem = nodeFileSystem) {}

  private async step<T>(op: Op, path: string, perform: () => Promise<T>): Promise<T> {
    if (this.crashed) throw errno('EIO', `${op} after crash`);
    const index = this.ops.length;
    this.ops.push(`${op} ${basename(path)}`);
    this.counts[op]++;
    if (this.crashAt?.index === index) {
      this.crashed = true;
      if (this.crashAt.performed) {
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

/** Message ids in a room, oldest first. */
export function allMessageIds(store: SqlJsStore, roomId: number): number[] {
  return store.messagesAfter(roomId, 0, 1_000_000).map((m) => m.id);
}
