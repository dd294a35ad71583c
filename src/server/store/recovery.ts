// Start-up: load the snapshot (checksum verified), migrate, replay the
// journal records the snapshot does not hold, from every journal file in
// generation order. A torn tail (a bad frame with nothing valid after it in
// its file: a crash mid-append) is dropped and the file cut back to its last
// good record; any other damage, and any gap in the sequence of records the
// snapshot does not hold, rejects with StoreError('corrupt') naming the file
// and the byte offset, and nothing on disk is changed, so `securechat repair`
// still has it all.

import { join } from 'node:path';
import type { Database } from 'sql.js';
import { StoreError } from './chat-store.ts';
import { applyMutation } from './apply.ts';
import type { StoreLog } from './durability.ts';
import { firstFrame, scanFrames, type FrameDamage } from './frames.ts';
import { journalFiles, type JournalName } from './journal.ts';
import { decodeRecord, type JournalRecord } from './journal-records.ts';
import { migrate } from './migrations.ts';
import { Queries } from './queries.ts';
import { decodeSnapshot, isSnapshotDamage, isSnapshotTemp, SNAPSHOT_FILE } from './snapshot.ts';
import { newDatabase } from './sqljs.ts';
import { FILE_MODE, type StoreFileSystem } from './store-fs.ts';

export interface LoadedSnapshot {
  db: Database;
  lastSeq: number;
  /** False when there was no snapshot file (a new store). */
  present: boolean;
  /** Size of the SQLite image (0 without a snapshot). */
  imageBytes: number;
}

/** Loads dir/snapshot.sqlite, or an empty database when there is none. */
export async function loadSnapshot(fs: StoreFileSystem, dir: string): Promise<LoadedSnapshot> {
  const path = join(dir, SNAPSHOT_FILE);
  const bytes = await fs.readFile(path);
  if (!bytes) return { db: await newDatabase(), lastSeq: 0, present: false, imageBytes: 0 };
  const snapshot = decodeSnapshot(bytes);
  if (isSnapshotDamage(snapshot)) {
    throw new StoreError('corrupt', `${path}: ${snapshot.reason} (byte offset ${snapshot.offset})`);
  }
  try {
    const db = await newDatabase(snapshot.image);
    return { db, lastSeq: snapshot.lastSeq, present: true, imageBytes: snapshot.image.length };
  } catch (error) {
    throw new StoreError('corrupt', `${path}: SQLite image does not load (byte offset 32): ${String(error)}`);
  }
}

export interface JournalInput {
  name: string;
  bytes: Uint8Array;
}

export interface JournalFileResult {
  name: string;
  size: number;
  /**
   * True when a newer journal file starts at or before the snapshot's next
   * seq: every record in this one is in the snapshot (a crash came between a
   * snapshot and the deletion of the journals it replaced). Not read at all.
   */
  superseded: boolean;
  /** End of the last record kept. */
  goodEnd: number;
  /** Records kept (including any the snapshot already holds). */
  records: number;
  /** A torn tail, dropped: a bad frame with nothing valid after it in this file. */
  torn?: FrameDamage;
}

export interface ReplayResult {
  lastSeq: number;
  replayed: number;
  /** The files read, in order; when there is a `stop`, the list ends with the file it is in. */
  files: JournalFileResult[];
  /** The first damage after which nothing can be kept: in `files.at(-1)`, at `offset`. */
  stop?: { name: string; offset: number; reason: string };
}

/** The seq of a journal's first record, when its first frame is intact. */
function firstSeq(bytes: Uint8Array): number | undefined {
  const first = firstFrame(bytes);
  if (!first) return undefined;
  try {
    return decodeRecord(first.payload).seq;
  } catch {
    return undefined;
  }
}

/**
 * Replays journal files (oldest generation first) onto `db`, skipping records
 * up to `snapshotSeq`. Within a file records must be consecutive; the records
 * past the snapshot must continue it exactly, across files. Stops at the
 * first damaged, undecodable, out-of-sequence or unappliable record.
 */
export function replayJournals(db: Database, journals: JournalInput[], snapshotSeq: number): ReplayResult {
  // Generations are in seq order: a file older than one that starts at or
  // before snapshotSeq + 1 holds nothing the snapshot lacks.
  let from = 0;
  journals.forEach((journal, i) => {
    const seq = firstSeq(journal.bytes);
    if (seq !== undefined && seq <= snapshotSeq + 1) from = i;
  });
  const files: JournalFileResult[] = journals.slice(0, from).map((j) => ({
    name: j.name,
    size: j.bytes.length,
    superseded: true,
    goodEnd: j.bytes.length,
    records: 0,
  }));
  const q = new Queries(db);
  let lastSeq = snapshotSeq;
  let replayed = 0;
  try {
    for (const journal of journals.slice(from)) {
      const scan = scanFrames(journal.bytes);
      const file: JournalFileResult = { name: journal.name, size: journal.bytes.length, superseded: false, goodEnd: scan.goodEnd, records: 0 };
      files.push(file);
      let prevSeq: number | undefined;
      for (const [i, frame] of scan.frames.entries()) {
        const stop = (reason: string): ReplayResult => {
          file.goodEnd = frame.offset;
          return { lastSeq, replayed, files, stop: { name: journal.name, offset: frame.offset, reason } };
        };
        let record: JournalRecord;
        try {
          record = decodeRecord(frame.payload);
        } catch (error) {
          return stop(`record ${i} passes its checksum but does not parse: ${String(error)}`);
        }
        if (prevSeq !== undefined && record.seq !== prevSeq + 1) {
          return stop(`record seq ${record.seq} does not follow ${prevSeq}`);
        }
        prevSeq = record.seq;
        if (record.seq <= snapshotSeq) {
          file.records++;
          continue;
        }
        // The first record past the snapshot must follow it exactly, and every file must go on where the last one stopped.
        if (record.seq !== lastSeq + 1) {
          return stop(
            lastSeq === snapshotSeq
              ? `record seq ${record.seq} leaves a gap after the snapshot's last seq ${snapshotSeq}`
              : `record seq ${record.seq} leaves a gap after seq ${lastSeq}, the last record before it`,
          );
        }
        try {
          applyMutation(q, record);
        } catch (error) {
          return stop(`record seq ${record.seq} (${record.kind}) does not apply: ${String(error)}`);
        }
        file.records++;
        lastSeq = record.seq;
        replayed++;
      }
      if (scan.damage?.kind === 'corrupt') {
        return { lastSeq, replayed, files, stop: { name: journal.name, offset: scan.damage.offset, reason: scan.damage.reason } };
      }
      // A torn tail: nothing after it can be missing from this file, and a gap in what follows would stop the replay.
      if (scan.damage) file.torn = scan.damage;
    }
  } finally {
    q.invalidate();
  }
  return { lastSeq, replayed, files };
}

export interface RecoveredState {
  db: Database;
  lastSeq: number;
  replayed: number;
  migrated: number[];
  snapshotPresent: boolean;
  snapshotSeq: number;
  imageBytes: number;
  /** The journal files, oldest first, each with the end of its last good record; the last is the one to append to. */
  journals: { name: string; size: number }[];
  /** Higher than the generation of any journal file in the folder. */
  nextGeneration: number;
}

export async function removeStaleTemps(fs: StoreFileSystem, dir: string, log: StoreLog): Promise<string[]> {
  const stale = (await fs.readdir(dir)).filter(isSnapshotTemp);
  for (const name of stale) {
    await fs.unlink(join(dir, name));
    log('stale_temp_removed', { file: join(dir, name) });
  }
  return stale;
}

/** The folder's journal files and their bytes, oldest generation first. */
export async function readJournals(fs: StoreFileSystem, dir: string): Promise<{ names: JournalName[]; inputs: JournalInput[] }> {
  const names = journalFiles(await fs.readdir(dir));
  const inputs: JournalInput[] = [];
  for (const { name } of names) inputs.push({ name, bytes: (await fs.readFile(join(dir, name))) ?? new Uint8Array(0) });
  return { names, inputs };
}

/** Cuts a journal file back to `length`, durably. */
export async function cutJournal(fs: StoreFileSystem, path: string, length: number): Promise<void> {
  const file = await fs.open(path, 'readwrite', FILE_MODE);
  try {
    await file.truncate(length);
    await file.datasync();
  } finally {
    await file.close();
  }
}

export async function recoverState(fs: StoreFileSystem, dir: string, log: StoreLog): Promise<RecoveredState> {
  await removeStaleTemps(fs, dir, log);
  const snapshot = await loadSnapshot(fs, dir);
  const { db } = snapshot;
  try {
    const migrated = migrate(db);
    if (migrated.length > 0) log('migrations_applied', { versions: migrated });
    const { names, inputs } = await readJournals(fs, dir);
    const result = replayJournals(db, inputs, snapshot.lastSeq);
    if (result.stop) {
      throw new StoreError(
        'corrupt',
        `${join(dir, result.stop.name)}: ${result.stop.reason} at byte offset ${result.stop.offset}; ` +
          'records after it would be lost: run `securechat repair`',
      );
    }
    for (const file of result.files) {
      if (!file.torn) continue;
      // A crash mid-append: the record was never acknowledged.
      const path = join(dir, file.name);
      await cutJournal(fs, path, file.goodEnd);
      log('journal_torn_tail', { file: path, offset: file.goodEnd, droppedBytes: file.size - file.goodEnd, reason: file.torn.reason });
    }
    return {
      db,
      lastSeq: result.lastSeq,
      replayed: result.replayed,
      migrated,
      snapshotPresent: snapshot.present,
      snapshotSeq: snapshot.lastSeq,
      imageBytes: snapshot.imageBytes,
      journals: result.files.map((f) => ({ name: f.name, size: f.goodEnd })),
      nextGeneration: names.reduce((max, n) => Math.max(max, n.generation), 0) + 1,
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
