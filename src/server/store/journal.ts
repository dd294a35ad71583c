// The journal file: frames appended at a known end, made durable by
// fdatasync (which covers the data and the new size of the file).

import { join } from 'node:path';
import { FILE_MODE, type StoreFile, type StoreFileSystem } from './store-fs.ts';

export const JOURNAL_FILE = 'journal.log';

export class JournalFile {
  private constructor(
    private readonly file: StoreFile,
    private end: number,
  ) {}

  /** Opens the journal for appending at `end` (the end of its last good frame). */
  static async open(fs: StoreFileSystem, dir: string, end: number): Promise<JournalFile> {
    const file = await fs.open(join(dir, JOURNAL_FILE), 'readwrite', FILE_MODE);
    return new JournalFile(file, end);
  }

  /**
   * Starts an empty journal (after a snapshot holds everything), durably:
   * the truncation is fsync'd, and so is the folder in case the name is new.
   */
  static async restart(fs: StoreFileSystem, dir: string): Promise<JournalFile> {
    const file = await fs.open(join(dir, JOURNAL_FILE), 'truncate', FILE_MODE);
    try {
      await file.datasync();
      await fs.syncDir(dir);
    } catch (error) {
      await file.close().catch(() => {});
      throw error;
    }
    return new JournalFile(file, 0);
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
