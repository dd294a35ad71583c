// Every file operation of the store goes through this interface, so that
// tests can inject the faults that real disks produce (a failing fsync,
// ENOSPC half-way through a write, a rename that fails) without root or
// special file systems.

import { constants as fsConstants } from 'node:fs';
import { open, mkdir, readFile, rename, unlink, readdir } from 'node:fs/promises';

export interface StoreFile {
  /** Writes all of `data` at byte `position` (looping over short writes). */
  write(data: Uint8Array, position: number): Promise<void>;
  /** fdatasync: the data and the size, enough for an append-only file. */
  datasync(): Promise<void>;
  /** fsync: data and all metadata. */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** 'readwrite' creates a missing file; 'truncate' also empties an existing one. */
export type OpenMode = 'readwrite' | 'truncate';

export interface StoreFileSystem {
  /** Creates the folder (and parents) when missing. */
  mkdir(path: string, mode: number): Promise<void>;
  /** The whole file, or undefined when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  open(path: string, mode: OpenMode, fileMode: number): Promise<StoreFile>;
  rename(from: string, to: string): Promise<void>;
  /** Ignores a file that is already gone. */
  unlink(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** fsync of a folder, which makes a rename or a new name in it durable. */
  syncDir(path: string): Promise<void>;
}

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** The real file system (node:fs/promises). */
export const nodeFileSystem: StoreFileSystem = {
  async mkdir(path, mode) {
    await mkdir(path, { recursive: true, mode });
  },
  async readFile(path) {
    try {
      return await readFile(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },
  async open(path, mode, fileMode) {
    // No O_APPEND: positional writes must land where the journal says its end is.
    const flags =
      fsConstants.O_RDWR | fsConstants.O_CREAT | (mode === 'truncate' ? fsConstants.O_TRUNC : 0);
    const handle = await open(path, flags, fileMode);
    return {
      async write(data, position) {
        let done = 0;
        while (done < data.length) {
          const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
          if (bytesWritten <= 0) throw new Error(`write to ${path} made no progress`);
          done += bytesWritten;
        }
      },
      datasync: () => handle.datasync(),
      sync: () => handle.sync(),
      truncate: (length) => handle.truncate(length),
      close: () => handle.close(),
    };
  },
  rename: (from, to) => rename(from, to),
  async unlink(path) {
    try {
      await unlink(path);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  },
  readdir: (path) => readdir(path),
  async syncDir(path) {
    const handle = await open(path, fsConstants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** Writes a whole new file durably (used for repair backups). */
export async function writeFileDurably(fs: StoreFileSystem, path: string, data: Uint8Array): Promise<void> {
  const file = await fs.open(path, 'truncate', FILE_MODE);
  try {
    await file.write(data, 0);
    await file.sync();
  } finally {
    await file.close();
  }
}
