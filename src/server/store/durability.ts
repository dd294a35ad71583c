// Makes applied mutations durable: group commit into the journal, snapshots,
// and the unavailable state with its background recovery.
//
// One loop does all file work, one step at a time (a journal batch or a
// snapshot), so a snapshot never races an append. Records committed while a
// step is in flight wait in `unwritten` and go out together in the next
// batch, covered by one fdatasync.
//
// Memory vs disk when a write fails: the failed mutations are already in
// memory. They were never acknowledged, so keeping them is allowed; the
// store refuses new mutations and recovers by writing a snapshot of memory
// (a superset of everything acknowledged) and starting an empty journal, so
// nothing is lost and nothing is applied twice.

import { StoreError, type StoreHealth } from './chat-store.ts';
import { encodeFrame } from './frames.ts';
import { JournalFile } from './journal.ts';
import { writeSnapshot } from './snapshot.ts';
import type { StoreFileSystem } from './store-fs.ts';

export type StoreLog = (event: string, fields: Record<string, unknown>) => void;

export interface DurabilityOptions {
  fs: StoreFileSystem;
  dir: string;
  journal: JournalFile;
  /** Highest sequence number in memory (and on disk) at open. */
  lastSeq: number;
  /** The last sequence number the snapshot on disk holds. */
  snapshotSeq: number;
  snapshotEveryRecords: number;
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

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class Durability {
  private lastSeq: number;
  private durableSeq: number;
  private snapshotSeq: number;
  private journal: JournalFile | undefined;
  /** Promises waiting for durability, in seq order. */
  private tickets: Ticket[] = [];
  private unwritten: Unwritten[] = [];
  private snapshotWaiters: Waiter[] = [];
  private snapshotWanted = false;
  private recordsSinceSnapshot = 0;
  private writable = true;
  private reason: string | undefined;
  private recoveryDue = false;
  private closed = false;
  private running: Promise<void> | undefined;
  private kickScheduled = false;
  private snapshotTimer: NodeJS.Timeout;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: DurabilityOptions) {
    this.lastSeq = o.lastSeq;
    this.durableSeq = o.lastSeq;
    this.snapshotSeq = o.snapshotSeq;
    this.journal = o.journal;
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

  snapshot(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('unavailable', 'store is closed'));
    return new Promise((resolve, reject) => {
      this.snapshotWaiters.push({ resolve, reject });
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
    while (this.running) await this.running;
    // Nothing new since the last snapshot: the files on disk are already final.
    if (!this.writable || this.lastSeq !== this.snapshotSeq) await this.snapshotStep();
    if (this.writable && this.unwritten.length > 0) await this.flushStep();
    const error = new StoreError('unavailable', 'store closed before this mutation was durable');
    for (const ticket of this.tickets.splice(0)) ticket.reject(error);
    for (const waiter of this.snapshotWaiters.splice(0)) waiter.reject(error);
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

  private hasWork(): boolean {
    if (!this.writable) return this.recoveryDue;
    return this.snapshotWanted || this.snapshotWaiters.length > 0 || this.unwritten.length > 0;
  }

  private async loop(): Promise<void> {
    while (!this.closed && this.hasWork()) {
      if (!this.writable) {
        this.recoveryDue = false;
        await this.snapshotStep();
      } else if (this.snapshotWanted || this.snapshotWaiters.length > 0) {
        await this.snapshotStep();
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
    this.durableSeq = batch[batch.length - 1]!.seq;
    this.settle(this.durableSeq);
    this.recordsSinceSnapshot += batch.length;
    if (this.recordsSinceSnapshot >= this.o.snapshotEveryRecords) this.snapshotWanted = true;
  }

  /**
   * Snapshot of memory, then an empty journal. Also the way back from the
   * unavailable state. A crash anywhere in here is safe: until the rename the
   * old snapshot and the full journal are on disk; after it, the new snapshot
   * records its last seq and replay skips journal records up to it.
   */
  private async snapshotStep(): Promise<void> {
    this.snapshotWanted = false;
    this.recordsSinceSnapshot = 0;
    const waiters = this.snapshotWaiters.splice(0);
    const lastSeq = this.lastSeq;
    let covered: Unwritten[] = [];
    let size = 0;
    try {
      const image = this.o.exportImage();
      size = image.length;
      // Everything not yet journaled is in the image: the snapshot covers it.
      covered = this.unwritten.splice(0);
      await writeSnapshot(this.o.fs, this.o.dir, image, lastSeq);
    } catch (error) {
      // Old snapshot and journal are intact; the covered records go to the journal instead.
      this.unwritten.unshift(...covered);
      this.stepFailed(waiters, `snapshot failed: ${describe(error)}`);
      return;
    }
    this.durableSeq = Math.max(this.durableSeq, lastSeq);
    this.snapshotSeq = lastSeq;
    this.settle(lastSeq);
    this.o.log('snapshot_written', { lastSeq, bytes: size });
    await this.journal?.close().catch(() => {});
    this.journal = undefined;
    try {
      this.journal = await JournalFile.restart(this.o.fs, this.o.dir);
    } catch (error) {
      this.fail(`journal restart failed: ${describe(error)}`);
      for (const waiter of waiters) waiter.reject(new StoreError('unavailable', this.reason!));
      return;
    }
    if (!this.writable) {
      this.writable = true;
      this.reason = undefined;
      clearInterval(this.retryTimer);
      this.retryTimer = undefined;
      this.o.log('store_writable', { lastSeq });
    }
    for (const waiter of waiters) waiter.resolve();
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
