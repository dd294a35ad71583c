// Makes applied mutations durable: group commit into the journal, snapshots,
// and the unavailable state with its background recovery.
//
// Two kinds of file work, so that acknowledgements never wait for a snapshot:
//
// - The journal loop does one step at a time: a batch (records committed
//   while the last step was in flight go out together, covered by one
//   fdatasync), or the start of a snapshot. Starting a snapshot is the
//   export of the in-memory database (synchronous, so the image holds
//   exactly the records up to `lastSeq` at that moment, S) and a new journal
//   file (the next generation) for every record not yet written; the files
//   before it hold only records <= S.
// - The snapshot writer then writes the image (temp file, fsync, rename,
//   folder fsync) while the journal loop goes on appending to the new file,
//   and only after that deletes the older journal files. One snapshot is
//   written at a time; a snapshot due meanwhile starts when it is done.
//
// Crash safety: until the rename, the old snapshot and every journal file
// are on disk and replay in order; after it, the new snapshot records S and
// replay skips records <= S (and journal files entirely older than it).
//
// At open, at close and to recover from the unavailable state nothing is
// appended, so those snapshots are written in the foreground, then the
// current journal file is emptied in place and the older ones deleted.
//
// Memory vs disk when a write fails: the failed mutations are already in
// memory. They were never acknowledged, so keeping them is allowed; the
// store refuses new mutations and recovers by writing a snapshot of memory
// (a superset of everything acknowledged) and starting an empty journal, so
// nothing is lost and nothing is applied twice.

import { basename } from 'node:path';
import { StoreError, type StoreHealth } from './chat-store.ts';
import { encodeFrame } from './frames.ts';
import { JournalFile, journalName } from './journal.ts';
import { writeSnapshot } from './snapshot.ts';
import type { StoreFileSystem } from './store-fs.ts';

export type StoreLog = (event: string, fields: Record<string, unknown>) => void;

export interface DurabilityOptions {
  fs: StoreFileSystem;
  dir: string;
  /** The journal file to append to (the newest generation). */
  journal: JournalFile;
  /** Older journal files still on disk (paths): deleted after the next snapshot. */
  olderJournals: string[];
  /** Higher than the generation of any journal file on disk. */
  nextGeneration: number;
  /** Highest sequence number in memory (and on disk) at open. */
  lastSeq: number;
  /** The last sequence number the snapshot on disk holds. */
  snapshotSeq: number;
  /** Size of the snapshot's image on disk (0 when there is none). */
  imageBytes: number;
  snapshotEveryRecords: number;
  /**
   * A snapshot also waits until the journal since the last one is this
   * fraction of the image's size beyond SNAPSHOT_FRACTION_FLOOR_BYTES.
   */
  snapshotJournalFraction: number;
  snapshotEveryMs: number;
  groupCommitMaxDelayMs: number;
  retryEveryMs: number;
  log: StoreLog;
  /** Exports the in-memory database; synchronous, so it matches lastSeq exactly. */
  exportImage: () => Uint8Array;
}

interface Ticket {
  seq: number;
  resolve: () => void;
  reject: (error: StoreError) => void;
}

interface Unwritten {
  seq: number;
  frame: Uint8Array;
}

interface Waiter {
  resolve: () => void;
  reject: (error: StoreError) => void;
}

/**
 * Images up to this size are exported every snapshotEveryRecords records
 * whatever their size (16 MiB: about 15 ms of export here, README.md
 * "Snapshot trigger and write"); only the part beyond it counts toward the
 * fraction.
 */
export const SNAPSHOT_FRACTION_FLOOR_BYTES = 16 * 1024 * 1024;

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
const ms = (since: number) => Math.round((performance.now() - since) * 10) / 10;

export class Durability {
  private lastSeq: number;
  private durableSeq: number;
  private snapshotSeq: number;
  private imageBytes: number;
  private journal: JournalFile | undefined;
  /** The current journal file's path, also while it is closed after a failure (it is emptied in place on recovery). */
  private journalPath: string;
  private olderJournals: string[];
  private nextGeneration: number;
  /** Promises waiting for durability, in seq order. */
  private tickets: Ticket[] = [];
  private unwritten: Unwritten[] = [];
  private snapshotWaiters: Waiter[] = [];
  /** Waiting for a foreground snapshot (open). */
  private checkpointWaiters: Waiter[] = [];
  private snapshotWanted = false;
  private recordsSinceSnapshot = 0;
  private bytesSinceSnapshot = 0;
  private writable = true;
  private reason: string | undefined;
  private recoveryDue = false;
  private closed = false;
  private running: Promise<void> | undefined;
  /** The snapshot being written in the background, if one is. */
  private writing: Promise<void> | undefined;
  private kickScheduled = false;
  private snapshotTimer: NodeJS.Timeout;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: DurabilityOptions) {
    this.lastSeq = o.lastSeq;
    this.durableSeq = o.lastSeq;
    this.snapshotSeq = o.snapshotSeq;
    this.imageBytes = o.imageBytes;
    this.journal = o.journal;
    this.journalPath = o.journal.path;
    this.olderJournals = [...o.olderJournals];
    this.nextGeneration = o.nextGeneration;
    this.snapshotTimer = setInterval(() => {
      if (this.recordsSinceSnapshot > 0 || this.unwritten.length > 0) {
        this.snapshotWanted = true;
        this.kick();
      }
    }, o.snapshotEveryMs).unref();
  }

  health(): StoreHealth {
    if (this.closed) return { writable: false, reason: 'store is closed' };
    return this.writable ? { writable: true } : { writable: false, reason: this.reason ?? 'unavailable' };
  }

  /** Why a mutation must be refused right now (before it touches memory), if it must. */
  refusal(): StoreError | undefined {
    const health = this.health();
    return health.writable ? undefined : new StoreError('unavailable', health.reason ?? 'unavailable');
  }

  /** Journals a mutation already applied in memory; settles once it is durable. */
  commit(encode: (seq: number) => Uint8Array): Promise<void> {
    const seq = ++this.lastSeq;
    this.unwritten.push({ seq, frame: encodeFrame(encode(seq)) });
    const done = this.ticket(seq);
    this.kick();
    return done;
  }

  /** Settles once everything committed so far is durable (for no-op mutations). */
  barrier(): Promise<void> {
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    if (this.durableSeq >= this.lastSeq) return Promise.resolve();
    return this.ticket(this.lastSeq);
  }

  /** A snapshot of everything committed so far; journal appends go on while it is written. */
  snapshot(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('unavailable', 'store is closed'));
    return new Promise((resolve, reject) => {
      this.snapshotWaiters.push({ resolve, reject });
      if (!this.writable) this.recoveryDue = true;
      this.kick();
    });
  }

  /**
   * A snapshot written in the foreground, then the journal emptied: for open
   * (a new store, an upgraded schema), before any mutation.
   */
  checkpoint(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('unavailable', 'store is closed'));
    return new Promise((resolve, reject) => {
      this.checkpointWaiters.push({ resolve, reject });
      if (!this.writable) this.recoveryDue = true;
      this.kick();
    });
  }

  /** Final snapshot (or, failing that, a last journal flush), then the files are closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.snapshotTimer);
    clearInterval(this.retryTimer);
    while (this.running || this.writing) await (this.running ?? this.writing);
    const image = !this.writable || this.lastSeq !== this.snapshotSeq || this.unwritten.length > 0;
    // Nothing new since the last snapshot and one empty journal: the files on disk are already final.
    if (image || (this.journal?.size ?? 0) > 0 || this.olderJournals.length > 0) await this.restartStep(image);
    if (this.writable && this.unwritten.length > 0) await this.flushStep();
    const error = new StoreError('unavailable', 'store closed before this mutation was durable');
    for (const ticket of this.tickets.splice(0)) ticket.reject(error);
    for (const waiter of [...this.snapshotWaiters.splice(0), ...this.checkpointWaiters.splice(0)]) waiter.reject(error);
    await this.journal?.close().catch(() => {});
    this.journal = undefined;
  }

  private ticket(seq: number): Promise<void> {
    return new Promise((resolve, reject) => this.tickets.push({ seq, resolve, reject }));
  }

  private settle(upTo: number): void {
    while (this.tickets.length > 0 && this.tickets[0]!.seq <= upTo) this.tickets.shift()!.resolve();
  }

  private kick(): void {
    if (this.running || this.kickScheduled || this.closed) return;
    this.kickScheduled = true;
    // Even with no delay, wait for the current turn of the event loop: every
    // mutation started in it joins the same batch.
    const start = () => {
      this.kickScheduled = false;
      this.run();
    };
    if (this.o.groupCommitMaxDelayMs > 0) setTimeout(start, this.o.groupCommitMaxDelayMs);
    else setImmediate(start);
  }

  private run(): void {
    if (this.running || this.closed) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      // Work that arrived between the loop's last check and now.
      if (this.hasWork()) this.kick();
    });
  }

  private snapshotDue(): boolean {
    return this.snapshotWanted || this.snapshotWaiters.length > 0;
  }

  private hasWork(): boolean {
    if (!this.writable) return this.recoveryDue;
    return (
      this.unwritten.length > 0 ||
      this.checkpointWaiters.length > 0 ||
      (this.snapshotDue() && !this.writing)
    );
  }

  private async loop(): Promise<void> {
    while (!this.closed && this.hasWork()) {
      if (!this.writable || this.checkpointWaiters.length > 0) {
        this.recoveryDue = false;
        // One snapshot writer at a time: both use the same temp file.
        while (this.writing) await this.writing;
        if (this.closed) break; // close() does its own
        await this.restartStep(true);
      } else if (this.snapshotDue() && !this.writing) {
        await this.rotateStep();
      } else {
        await this.flushStep();
      }
    }
  }

  private async flushStep(): Promise<void> {
    const batch = this.unwritten.splice(0);
    if (batch.length === 0 || !this.journal) return;
    const bytes = new Uint8Array(batch.reduce((n, r) => n + r.frame.length, 0));
    let at = 0;
    for (const record of batch) {
      bytes.set(record.frame, at);
      at += record.frame.length;
    }
    try {
      await this.journal.appendDurably(bytes);
    } catch (error) {
      this.fail(`journal write failed: ${describe(error)}`);
      return;
    }
    this.durableSeq = Math.max(this.durableSeq, batch[batch.length - 1]!.seq);
    this.settle(this.durableSeq);
    this.recordsSinceSnapshot += batch.length;
    this.bytesSinceSnapshot += bytes.length;
    // The export blocks the event loop for a time that grows with the image:
    // a big image waits for a journal in proportion, so exports stay a
    // bounded share of the time.
    const bytesWanted = Math.max(0, this.imageBytes - SNAPSHOT_FRACTION_FLOOR_BYTES) * this.o.snapshotJournalFraction;
    if (this.recordsSinceSnapshot >= this.o.snapshotEveryRecords && this.bytesSinceSnapshot >= bytesWanted) {
      this.snapshotWanted = true;
    }
  }

  /**
   * Starts a snapshot while writable: export (memory == lastSeq exactly),
   * then a new journal file for everything not yet written, then the image is
   * written in the background. A failure before the new file is in use
   * leaves everything as it was: the journal goes on in the current file.
   */
  private async rotateStep(): Promise<void> {
    this.snapshotWanted = false;
    this.recordsSinceSnapshot = 0;
    this.bytesSinceSnapshot = 0;
    const waiters = this.snapshotWaiters.splice(0);
    const seq = this.lastSeq;
    const exportStarted = performance.now();
    let image: Uint8Array;
    try {
      image = this.o.exportImage();
    } catch (error) {
      this.stepFailed(waiters, `snapshot failed: ${describe(error)}`);
      return;
    }
    const exportMs = ms(exportStarted);
    // Never reused, even when this attempt fails: a file left behind by it stays older than the next.
    const name = journalName(this.nextGeneration++);
    let next: JournalFile;
    try {
      next = await JournalFile.start(this.o.fs, this.o.dir, name, true);
    } catch (error) {
      this.stepFailed(waiters, `snapshot failed: new journal file ${name}: ${describe(error)}`);
      return;
    }
    // From here on every record goes to the new file; the older ones hold only records <= seq.
    const old = this.journal!;
    this.journal = next;
    this.journalPath = next.path;
    this.olderJournals.push(old.path);
    void old.close().catch(() => {});
    this.writing = this.writeInBackground(image, seq, waiters, exportMs).finally(() => {
      this.writing = undefined;
      this.kick();
    });
  }

  private async writeInBackground(image: Uint8Array, seq: number, waiters: Waiter[], exportMs: number): Promise<void> {
    const started = performance.now();
    try {
      await writeSnapshot(this.o.fs, this.o.dir, image, seq);
    } catch (error) {
      // The old snapshot and every journal file are intact and still replay in order;
      // the journal (or, if it has failed meanwhile, its recovery) is not affected.
      const reason = `snapshot failed: ${describe(error)}`;
      this.o.log('snapshot_failed', { reason });
      for (const waiter of waiters) waiter.reject(new StoreError('unavailable', reason));
      return;
    }
    this.snapshotWritten(seq, image.length, { exportMs, writeMs: ms(started) });
    // Every older journal file holds only records <= seq: the snapshot has them all.
    await this.removeOlderJournals();
    for (const waiter of waiters) waiter.resolve();
  }

  /**
   * Snapshot of memory in the foreground (when `image`), then the current
   * journal file emptied in place and the older ones deleted. Used when
   * nothing is appended meanwhile: at open, at close, and as the way back
   * from the unavailable state. A crash anywhere in here is safe: until the
   * rename the old snapshot and all journal files are on disk; after it,
   * the new snapshot holds everything they hold.
   */
  private async restartStep(image: boolean): Promise<void> {
    this.snapshotWanted = false;
    this.recordsSinceSnapshot = 0;
    this.bytesSinceSnapshot = 0;
    const waiters = [...this.snapshotWaiters.splice(0), ...this.checkpointWaiters.splice(0)];
    if (image) {
      const seq = this.lastSeq;
      let covered: Unwritten[] = [];
      try {
        const exportStarted = performance.now();
        const bytes = this.o.exportImage();
        const exportMs = ms(exportStarted);
        // Everything not yet journaled is in the image: the snapshot covers it.
        covered = this.unwritten.splice(0);
        const started = performance.now();
        await writeSnapshot(this.o.fs, this.o.dir, bytes, seq);
        this.snapshotWritten(seq, bytes.length, { exportMs, writeMs: ms(started) });
      } catch (error) {
        // Old snapshot and journals are intact; the covered records go to the journal instead.
        this.unwritten.unshift(...covered);
        this.stepFailed(waiters, `snapshot failed: ${describe(error)}`);
        return;
      }
    }
    await this.journal?.close().catch(() => {});
    this.journal = undefined;
    try {
      this.journal = await JournalFile.start(this.o.fs, this.o.dir, basename(this.journalPath), false);
    } catch (error) {
      this.fail(`journal restart failed: ${describe(error)}`);
      for (const waiter of waiters) waiter.reject(new StoreError('unavailable', this.reason!));
      return;
    }
    await this.removeOlderJournals();
    if (!this.writable) {
      this.writable = true;
      this.reason = undefined;
      clearInterval(this.retryTimer);
      this.retryTimer = undefined;
      this.o.log('store_writable', { lastSeq: this.lastSeq });
    }
    for (const waiter of waiters) waiter.resolve();
  }

  private snapshotWritten(seq: number, bytes: number, timing: { exportMs: number; writeMs: number }): void {
    this.snapshotSeq = Math.max(this.snapshotSeq, seq);
    this.imageBytes = bytes;
    // Records up to seq not yet in the journal are durable in the snapshot.
    this.durableSeq = Math.max(this.durableSeq, seq);
    this.settle(seq);
    this.o.log('snapshot_written', { lastSeq: seq, bytes, ...timing });
  }

  /** Deletes the older journal files (all in the snapshot); one that will not go is tried again next time. */
  private async removeOlderJournals(): Promise<void> {
    const kept: string[] = [];
    for (const path of this.olderJournals) {
      try {
        await this.o.fs.unlink(path);
      } catch (error) {
        kept.push(path);
        this.o.log('journal_remove_failed', { file: path, reason: describe(error) });
      }
    }
    this.olderJournals = kept;
  }

  private stepFailed(waiters: Waiter[], reason: string): void {
    if (this.writable) {
      // The journal still works: stay writable, try again at the next trigger.
      this.o.log('snapshot_failed', { reason });
    } else if (reason !== this.reason) {
      this.reason = reason;
      this.o.log('recovery_failed', { reason });
    }
    for (const waiter of waiters) waiter.reject(new StoreError('unavailable', reason));
  }

  private fail(reason: string): void {
    this.writable = false;
    this.reason = reason;
    const error = new StoreError('unavailable', reason);
    this.unwritten = [];
    for (const ticket of this.tickets.splice(0)) ticket.reject(error);
    // After a failed write or fsync the file's tail is unknown: never append to it again.
    void this.journal?.close().catch(() => {});
    this.journal = undefined;
    this.o.log('store_unavailable', { reason });
    if (!this.retryTimer && !this.closed) {
      this.retryTimer = setInterval(() => {
        this.recoveryDue = true;
        this.kick();
      }, this.o.retryEveryMs).unref();
    }
  }
}
