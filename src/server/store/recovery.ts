// Start-up: load the snapshot (checksum verified), migrate, replay the
// journal records the snapshot does not hold. A torn last record is dropped
// (and the file cut back to the last good record); any other damage rejects
// with StoreError('corrupt') naming the file and the byte offset, and
// nothing on disk is changed, so `securechat repair` still has it all.

import { join } from 'node:path';
import type { Database } from 'sql.js';
import { StoreError } from './chat-store.ts';
import { applyMutation } from './apply.ts';
import type { StoreLog } from './durability.ts';
import { scanFrames, type FrameDamage } from './frames.ts';
import { JOURNAL_FILE } from './journal.ts';
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
}

/** Loads dir/snapshot.sqlite, or an empty database when there is none. */
export async function loadSnapshot(fs: StoreFileSystem, dir: string): Promise<LoadedSnapshot> {
  const path = join(dir, SNAPSHOT_FILE);
  const bytes = await fs.readFile(path);
  if (!bytes) return { db: await newDatabase(), lastSeq: 0, present: false };
  const snapshot = decodeSnapshot(bytes);
  if (isSnapshotDamage(snapshot)) {
    throw new StoreError('corrupt', `${path}: ${snapshot.reason} (byte offset ${snapshot.offset})`);
  }
  try {
    return { db: await newDatabase(snapshot.image), lastSeq: snapshot.lastSeq, present: true };
  } catch (error) {
    throw new StoreError('corrupt', `${path}: SQLite image does not load (byte offset 32): ${String(error)}`);
  }
}

export interface ReplayResult {
  lastSeq: number;
  replayed: number;
  /** End of the last record kept. */
  goodEnd: number;
  /** The first damage found, when there is one. */
  damage?: FrameDamage;
}

/**
 * Replays journal bytes onto `db`, skipping records up to `snapshotSeq`.
 * Stops at the first damaged, out-of-sequence or unappliable record and
 * reports it as 'corrupt' (a frame that failed its checksum with nothing
 * valid after it is reported as 'torn').
 */
export function replayJournal(db: Database, bytes: Uint8Array, snapshotSeq: number): ReplayResult {
  const scan = scanFrames(bytes);
  const q = new Queries(db);
  let lastSeq = snapshotSeq;
  let prevSeq: number | undefined;
  let replayed = 0;
  try {
    for (const [i, frame] of scan.frames.entries()) {
      const stop = (reason: string): ReplayResult => ({
        lastSeq,
        replayed,
        goodEnd: frame.offset,
        damage: { offset: frame.offset, reason, kind: 'corrupt' },
      });
      let record: JournalRecord;
      try {
        record = decodeRecord(frame.payload);
      } catch (error) {
        return stop(`record ${i} passes its checksum but does not parse: ${String(error)}`);
      }
      // Records are consecutive; the first one past the snapshot must follow it exactly.
      if (prevSeq !== undefined && record.seq !== prevSeq + 1) {
        return stop(`record seq ${record.seq} does not follow ${prevSeq}`);
      }
      if (prevSeq === undefined && record.seq > snapshotSeq + 1) {
        return stop(`record seq ${record.seq} leaves a gap after the snapshot's last seq ${snapshotSeq}`);
      }
      prevSeq = record.seq;
      if (record.seq <= snapshotSeq) continue;
      try {
        applyMutation(q, record);
      } catch (error) {
        return stop(`record seq ${record.seq} (${record.kind}) does not apply: ${String(error)}`);
      }
      lastSeq = record.seq;
      replayed++;
    }
  } finally {
    q.invalidate();
  }
  return { lastSeq, replayed, goodEnd: scan.goodEnd, ...(scan.damage ? { damage: scan.damage } : {}) };
}

export interface RecoveredState {
  db: Database;
  lastSeq: number;
  journalSize: number;
  replayed: number;
  migrated: number[];
  snapshotPresent: boolean;
  snapshotSeq: number;
}

export async function removeStaleTemps(fs: StoreFileSystem, dir: string, log: StoreLog): Promise<string[]> {
  const stale = (await fs.readdir(dir)).filter(isSnapshotTemp);
  for (const name of stale) {
    await fs.unlink(join(dir, name));
    log('stale_temp_removed', { file: join(dir, name) });
  }
  return stale;
}

export async function recoverState(fs: StoreFileSystem, dir: string, log: StoreLog): Promise<RecoveredState> {
  await removeStaleTemps(fs, dir, log);
  const snapshot = await loadSnapshot(fs, dir);
  const { db } = snapshot;
  try {
    const migrated = migrate(db);
    if (migrated.length > 0) log('migrations_applied', { versions: migrated });
    const journalPath = join(dir, JOURNAL_FILE);
    const bytes = (await fs.readFile(journalPath)) ?? new Uint8Array(0);
    const result = replayJournal(db, bytes, snapshot.lastSeq);
    if (result.damage?.kind === 'corrupt') {
      throw new StoreError(
        'corrupt',
        `${journalPath}: ${result.damage.reason} at byte offset ${result.damage.offset}; ` +
          'records after it would be lost: run `securechat repair`',
      );
    }
    if (result.damage) {
      // A crash mid-append: the record was never acknowledged.
      const file = await fs.open(journalPath, 'readwrite', FILE_MODE);
      try {
        await file.truncate(result.goodEnd);
        await file.datasync();
      } finally {
        await file.close();
      }
      log('journal_torn_tail', {
        file: journalPath,
        offset: result.goodEnd,
        droppedBytes: bytes.length - result.goodEnd,
        reason: result.damage.reason,
      });
    }
    return {
      db,
      lastSeq: result.lastSeq,
      journalSize: result.goodEnd,
      replayed: result.replayed,
      migrated,
      snapshotPresent: snapshot.present,
      snapshotSeq: snapshot.lastSeq,
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
