// `securechat repair`: make a damaged store open again, keeping everything
// before the damage and a copy of everything cut away. Run it with the
// server stopped.
//
// - Journal damaged at byte N of a journal file: records before N are kept;
//   bytes N..end are copied to <file>.cut-at-byte-N.<time>.bak and the file
//   is cut at N. Newer journal files cannot continue from there (their
//   records would leave a gap): each is moved whole to
//   <file>.cut-at-byte-0.<time>.bak. A torn tail in any file is cut the same
//   way. Journal files the snapshot supersedes are left alone (the next
//   snapshot deletes them).
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
import { decodeRecord } from './journal-records.ts';
import { migrate } from './migrations.ts';
import { cutJournal, readJournals, recoverState, removeStaleTemps, replayJournals, type JournalInput } from './recovery.ts';
import { decodeSnapshot, isSnapshotDamage, SNAPSHOT_FILE, SNAPSHOT_HEADER_BYTES, writeSnapshot } from './snapshot.ts';
import { newDatabase } from './sqljs.ts';
import { nodeFileSystem, writeFileDurably, type StoreFileSystem } from './store-fs.ts';

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
    /** 'missing': no journal file at all. */
    status: 'ok' | 'missing' | 'truncated';
    /** The first damage found, its file and its byte offset in that file. */
    damage?: string;
    damageOffset?: number;
    damageFile?: string;
    /** Records kept (including any the snapshot already holds), over all journal files. */
    recordsKept: number;
    bytesKept: number;
    bytesCut: number;
    /** Copy of the bytes cut away at the first damage. */
    backup?: string;
    /** Every copy made, when more than one file was cut. */
    backups?: string[];
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

/** Sequence numbers of the first and last records in the journal files' valid prefixes. */
function journalSeqRange(journals: JournalInput[]): { first: number; last: number } | undefined {
  const seqs: number[] = [];
  for (const { bytes } of journals) {
    for (const frame of scanFrames(bytes).frames) {
      try {
        seqs.push(decodeRecord(frame.payload).seq);
      } catch {
        break;
      }
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
  const summary: string[] = [];

  let removedTempFiles: string[];
  try {
    removedTempFiles = await removeStaleTemps(fs, dir, log);
  } catch (error) {
    throw new StoreError('not_found', `cannot read store folder ${dir}: ${String(error)}`);
  }
  for (const name of removedTempFiles) summary.push(`removed unfinished snapshot temp file ${name}`);
  const { inputs: journals } = await readJournals(fs, dir);
  const snapshotBytes = await fs.readFile(snapshotPath);

  // 1. The base the journal replays onto.
  const base = await loadBase(fs, snapshotPath, snapshotBytes, journals, stamp);
  if (base.note) summary.push(base.note);
  const { db } = base;

  try {
    migrate(db);
    if (base.status === 'salvaged' || base.status === 'replaced') {
      await writeSnapshot(fs, dir, db.export(), base.lastSeq);
    }

    // 2. The journal: keep the longest good run of records, cut (with a copy) what cannot be replayed.
    const replay = replayJournals(db, journals, base.lastSeq);
    const journal: RepairReport['journal'] = {
      status: journals.length > 0 ? 'ok' : 'missing',
      recordsKept: 0,
      bytesKept: 0,
      bytesCut: 0,
    };
    const backups: string[] = [];
    /** Copies bytes `at`..end of a journal file beside it, then cuts the file there (or deletes it, at 0). */
    const cut = async (input: JournalInput, at: number, reason: string): Promise<string> => {
      const path = join(dir, input.name);
      const backup = `${path}.cut-at-byte-${at}.${stamp}.bak`;
      await writeFileDurably(fs, backup, input.bytes.subarray(at));
      await fs.syncDir(dir);
      if (at > 0) await cutJournal(fs, path, at);
      else await fs.unlink(path);
      if (backups.length === 0) Object.assign(journal, { status: 'truncated', damage: reason, damageOffset: at, damageFile: path, backup });
      backups.push(backup);
      journal.bytesCut += input.bytes.length - at;
      return backup;
    };
    for (const [i, input] of journals.entries()) {
      const path = join(dir, input.name);
      const file = replay.files[i];
      if (!file) {
        // Newer than the damage: its records cannot follow what is kept.
        const backup = await cut(input, 0, `follows the damage in ${replay.stop!.name}`);
        summary.push(`${path}: follows the damage in ${replay.stop!.name}, so none of its records can be replayed; moved whole (${input.bytes.length} bytes) to ${backup}`);
        continue;
      }
      journal.recordsKept += file.superseded ? scanFrames(input.bytes).frames.length : file.records;
      journal.bytesKept += file.goodEnd;
      const reason = replay.stop && i === replay.files.length - 1 ? replay.stop.reason : file.torn?.reason;
      if (reason === undefined) continue;
      const backup = await cut(input, file.goodEnd, reason);
      summary.push(
        `${path}: ${reason} at byte offset ${file.goodEnd}; kept ${file.records} records (${file.goodEnd} bytes), cut ${input.bytes.length - file.goodEnd} bytes, kept as ${backup}`,
      );
    }
    if (backups.length > 1) journal.backups = backups;

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
    const changed = removedTempFiles.length > 0 || base.status === 'salvaged' || base.status === 'replaced' || backups.length > 0;
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
  journals: JournalInput[],
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
  const range = journalSeqRange(journals);
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
