// Journal files: frames appended at a known end, made durable by fdatasync
// (which covers the data and the new size of the file).
//
// There can be several: a snapshot taken while the store is writable starts
// a new file (the next "generation") and the records after that point go
// there while the snapshot is written; the older files are deleted once the
// snapshot is durable. Generation 0 is `journal.log` (also the name of the
// only journal a store had before generations existed), generation n ≥ 1 is
// `journal.<n>.log`. Generations only order the files: which records a file
// holds is read from the records themselves (each carries its seq).

import { join } from 'node:path';
import { FILE_MODE, type StoreFile, type StoreFileSystem } from './store-fs.ts';

export const JOURNAL_FILE = 'journal.log';

export function journalName(generation: number): string {
  return generation === 0 ? JOURNAL_FILE : `journal.${generation}.log`;
}

/** The generation of a journal file's name, or undefined when the name is not a journal's. */
export function journalGeneration(name: string): number | undefined {
  if (name === JOURNAL_FILE) return 0;
  const match = /^journal\.([1-9][0-9]{0,15})\.log$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

export interface JournalName {
  name: string;
  generation: number;
}

/** The journal files in a folder's listing, oldest generation first. */
export function journalFiles(names: string[]): JournalName[] {
  const out: JournalName[] = [];
  for (const name of names) {
    const generation = journalGeneration(name);
    if (generation !== undefined) out.push({ name, generation });
  }
  return out.sort((a, b) => a.generation - b.generation);
}

export class JournalFile {
  private constructor(
    private readonly file: StoreFile,
    readonly path: string,
    private end: number,
  ) {}

  /** Opens an existing journal for appending at `end` (the end of its last good frame). */
  static async open(fs: StoreFileSystem, path: string, end: number): Promise<JournalFile> {
    const file = await fs.open(path, 'readwrite', FILE_MODE);
    return new JournalFile(file, path, end);
  }

  /**
   * Starts an empty journal at `dir/name` (a new generation, or an existing
   * file emptied once a snapshot holds everything), durably: the truncation
   * is fsync'd, and so is the folder, so that the name exists on disk before
   * any record acknowledged from it. On failure the file is closed and, when
   * `removeOnFailure`, deleted (best effort): it holds no record either way.
   */
  static async start(fs: StoreFileSystem, dir: string, name: string, removeOnFailure: boolean): Promise<JournalFile> {
    const path = join(dir, name);
    const file = await fs.open(path, 'truncate', FILE_MODE);
    try {
      await file.datasync();
      await fs.syncDir(dir);
    } catch (error) {
      await file.close().catch(() => {});
      if (removeOnFailure) await fs.unlink(path).catch(() => {});
      throw error;
    }
    return new JournalFile(file, path, 0);
  }

  get size(): number {
    return this.end;
  }

  /** Appends and fsyncs. After a failure the file's tail is unknown: do not append again. */
  async appendDurably(bytes: Uint8Array): Promise<void> {
    await this.file.write(bytes, this.end);
    this.end += bytes.length;
    await this.file.datasync();
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
