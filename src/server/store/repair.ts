// `securechat repair`: make a damaged store open again, keeping everything
// before the damage and a copy of everything cut away. Run it with the
// server stopped.
//
// - Journal damaged at byte N: records before N are kept; bytes N..end are
//   copied to journal.log.cut-at-byte-N.<time>.bak and the journal is cut at N.
// - Snapshot damaged: it is copied to snapshot.sqlite.damaged.<time>.bak. If
//   only its checksum fails and SQLite's integrity_check passes on the image,
//   the image is kept ("salvaged": rows may hold damaged bytes; compare with
//   the copy). Otherwise it is replaced by an empty database and whatever the
//   journal holds is replayed onto it: the data only the snapshot held is lost
//   from the live store, and the report says so.

import { join } from 'node:path';
import type { Database } from 'sql.js';
import { StoreError } from './chat-store.ts';
import type { StoreLog } from './durability.ts';
import { scanFrames } from './frames.ts';
import { JOURNAL_FILE } from './journal.ts';
import { decodeRecord } from './journal-records.ts';
import { migrate } from './migrations.ts';
import { recoverState, removeStaleTemps, replayJournal } from './recovery.ts';
import { decodeSnapshot, isSnapshotDamage, SNAPSHOT_FILE, SNAPSHOT_HEADER_BYTES, writeSnapshot } from './snapshot.ts';
import { newDatabase } from './sqljs.ts';
import { FILE_MODE, nodeFileSystem, writeFileDurably, type StoreFileSystem } from './store-fs.ts';

export interface RepairReport {
  dir: string;
  /** Whether anything on disk was changed. */
  changed: boolean;
  /** Whether the store opens after the repair. */
  opens: boolean;
  /** Why it still does not open, when it does not. */
  openError?: string;
  removedTempFiles: string[];
  snapshot: {
    status: 'ok' | 'missing' | 'salvaged' | 'replaced';
    /** What was wrong, when something was. */
    damage?: string;
    /** Copy of the damaged file. */
    backup?: string;
    /** Last journal sequence number the (new) snapshot holds. */
    lastSeq: number;
  };
  journal: {
    status: 'ok' | 'missing' | 'truncated';
    damage?: string;
    damageOffset?: number;
    /** Records kept (including any the snapshot already holds). */
    recordsKept: number;
    bytesKept: number;
    bytesCut: number;
    /** Copy of the bytes cut away. */
    backup?: string;
  };
  /** Plain-language lines for the CLI to print: one per thing found and done (none when nothing was wrong). */
  summary: string[];
}

interface Base {
  db: Database;
  lastSeq: number;
  status: RepairReport['snapshot']['status'];
  damage?: string;
  backup?: string;
  note?: string;
}

/** Sequence numbers of the first and last records in the journal's valid prefix. */
function journalSeqRange(bytes: Uint8Array): { first: number; last: number } | undefined {
  const seqs: number[] = [];
  for (const frame of scanFrames(bytes).frames) {
    try {
      seqs.push(decodeRecord(frame.payload).seq);
    } catch {
      break;
    }
  }
  return seqs.length > 0 ? { first: seqs[0]!, last: seqs[seqs.length - 1]! } : undefined;
}

async function salvage(bytes: Uint8Array, range: { first: number; last: number } | undefined): Promise<Base | undefined> {
  const decoded = decodeSnapshot(bytes);
  // Only a checksum mismatch with an intact header is worth trying.
  if (!isSnapshotDamage(decoded) || decoded.offset !== 12) return undefined;
  const lastSeq = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(16));
  if (range && (lastSeq < range.first - 1 || lastSeq > range.last)) return undefined;
  let db: Database | undefined;
  try {
    db = await newDatabase(bytes.subarray(SNAPSHOT_HEADER_BYTES));
    const check = db.exec('PRAGMA integrity_check')[0]?.values.map((r) => String(r[0])) ?? [];
    if (check.length === 1 && check[0] === 'ok') return { db, lastSeq, status: 'salvaged' };
  } catch {
    // not a usable SQLite image
  }
  db?.close();
  return undefined;
}

export async function repairStore(
  dir: string,
  options: { fs?: StoreFileSystem; log?: StoreLog } = {},
): Promise<RepairReport> {
  const fs = options.fs ?? nodeFileSystem;
  const log = options.log ?? (() => {});
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const snapshotPath = join(dir, SNAPSHOT_FILE);
  const journalPath = join(dir, JOURNAL_FILE);
  const summary: string[] = [];

  let removedTempFiles: string[];
  try {
    removedTempFiles = await removeStaleTemps(fs, dir, log);
  } catch (error) {
    throw new StoreError('not_found', `cannot read store folder ${dir}: ${String(error)}`);
  }
  for (const name of removedTempFiles) summary.push(`removed unfinished snapshot temp file ${name}`);
  const journalBytes = await fs.readFile(journalPath);
  const snapshotBytes = await fs.readFile(snapshotPath);

  // 1. The base the journal replays onto.
  const base = await loadBase(fs, snapshotPath, snapshotBytes, journalBytes, stamp);
  if (base.note) summary.push(base.note);
  const { db } = base;

  try {
    migrate(db);
    if (base.status === 'salvaged' || base.status === 'replaced') {
      await writeSnapshot(fs, dir, db.export(), base.lastSeq);
    }

    // 2. The journal: keep its longest good prefix.
    const bytes = journalBytes ?? new Uint8Array(0);
    const replay = replayJournal(db, bytes, base.lastSeq);
    const kept = scanFrames(bytes.subarray(0, replay.goodEnd)).frames.length;
    const journal: RepairReport['journal'] = {
      status: journalBytes ? 'ok' : 'missing',
      recordsKept: kept,
      bytesKept: replay.goodEnd,
      bytesCut: bytes.length - replay.goodEnd,
    };
    if (replay.damage) {
      const backup = `${journalPath}.cut-at-byte-${replay.goodEnd}.${stamp}.bak`;
      await writeFileDurably(fs, backup, bytes.subarray(replay.goodEnd));
      await fs.syncDir(dir);
      const file = await fs.open(journalPath, 'readwrite', FILE_MODE);
      try {
        await file.truncate(replay.goodEnd);
        await file.datasync();
      } finally {
        await file.close();
      }
      Object.assign(journal, {
        status: 'truncated',
        damage: replay.damage.reason,
        damageOffset: replay.damage.offset,
        backup,
      });
      summary.push(
        `${journalPath}: ${replay.damage.reason} at byte offset ${replay.damage.offset}; kept ${kept} records (${replay.goodEnd} bytes), cut ${journal.bytesCut} bytes, kept as ${backup}`,
      );
    }

    // 3. Prove it.
    let opens = true;
    let openError: string | undefined;
    try {
      (await recoverState(fs, dir, log)).db.close();
    } catch (error) {
      opens = false;
      openError = String(error);
      summary.push(`the store still does not open: ${openError}`);
    }
    const changed = removedTempFiles.length > 0 || base.status === 'salvaged' || base.status === 'replaced' || !!replay.damage;
    return {
      dir,
      changed,
      opens,
      ...(openError !== undefined ? { openError } : {}),
      removedTempFiles,
      snapshot: {
        status: base.status,
        lastSeq: base.lastSeq,
        ...(base.damage !== undefined ? { damage: base.damage } : {}),
        ...(base.backup !== undefined ? { backup: base.backup } : {}),
      },
      journal,
      summary,
    };
  } finally {
    db.close();
  }
}

/** The snapshot as it is, salvaged, or replaced by an empty database (with a copy of the damaged file kept). */
async function loadBase(
  fs: StoreFileSystem,
  path: string,
  bytes: Uint8Array | undefined,
  journalBytes: Uint8Array | undefined,
  stamp: string,
): Promise<Base> {
  if (!bytes) return { db: await newDatabase(), lastSeq: 0, status: 'missing' };
  const decoded = decodeSnapshot(bytes);
  let damage: string;
  if (isSnapshotDamage(decoded)) {
    damage = `${decoded.reason} (byte offset ${decoded.offset})`;
  } else {
    try {
      return { db: await newDatabase(decoded.image), lastSeq: decoded.lastSeq, status: 'ok' };
    } catch (error) {
      damage = `SQLite image does not load (byte offset ${SNAPSHOT_HEADER_BYTES}): ${String(error)}`;
    }
  }
  const backup = `${path}.damaged.${stamp}.bak`;
  await writeFileDurably(fs, backup, bytes);
  const range = journalBytes ? journalSeqRange(journalBytes) : undefined;
  const salvaged = await salvage(bytes, range);
  if (salvaged) {
    const note = `${path}: ${damage}; salvaged: SQLite integrity_check passes on the image, but rows may hold damaged bytes; the damaged file is kept as ${backup}`;
    return { ...salvaged, damage, backup, note };
  }
  const lastSeq = range ? range.first - 1 : 0;
  const note =
    `${path}: ${damage}; NOT recoverable: replaced by an empty database plus the journal's records from seq ${lastSeq + 1}; ` +
    `data only the snapshot held is missing from the store; the damaged file is kept as ${backup}`;
  return { db: await newDatabase(), lastSeq, status: 'replaced', damage, backup, note };
}
