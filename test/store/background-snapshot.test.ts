// Snapshots written while the journal goes on: at the export the journal
// moves to a new file (the next generation), the image is written in the
// background while appends are acknowledged from the new file, and the old
// file is deleted once the snapshot is durable. Crashes and faults in each
// window of that sequence, through the injectable file system.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../../src/server/store/chat-store.ts';
import { scanFrames } from '../../src/server/store/frames.ts';
import { repairStore } from '../../src/server/store/repair.ts';
import { decodeSnapshot, isSnapshotDamage } from '../../src/server/store/snapshot.ts';
import {
  allMessageIds,
  assertDurable,
  errno,
  FaultyFs,
  isUnavailable,
  journalNames,
  openStore,
  seed,
  waitUntil,
  withTempDir,
  Writer,
} from './helpers.ts';

/** Holds the first operation labelled `label` (a disk that takes as long as the test wants). */
function holdOnce(fs: FaultyFs, label: string): { reached: Promise<void>; release: () => void } {
  let release!: () => void;
  let signal!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (signal = resolve));
  let held = false;
  fs.intercept = (op) => {
    if (held || op !== label) return;
    held = true;
    signal();
    return gate;
  };
  return { reached, release };
}

/** Fails operations labelled `label` (the first `times` of them) without performing them. */
function failOp(fs: FaultyFs, label: string, times = Infinity): void {
  let left = times;
  fs.intercept = (op) => {
    if (op !== label || left <= 0) return;
    left--;
    throw errno('EIO', `injected, ${op}`);
  };
}

async function snapshotSeq(dir: string): Promise<number> {
  const decoded = decodeSnapshot(await readFile(join(dir, 'snapshot.sqlite')));
  assert.ok(!isSnapshotDamage(decoded), 'snapshot.sqlite is whole');
  return decoded.lastSeq;
}

test('a commit made while a snapshot is being written is acknowledged before the snapshot finishes (slow disk)', async () => {
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    const store = await openStore(dir, { fs, snapshotEveryRecords: 1e9 });
    const { userId, roomId } = await seed(store);
    const writer = new Writer(store, roomId, userId);
    await writer.sendMany(5);

    // The disk takes "forever" to make the image durable.
    const hold = holdOnce(fs, 'sync snapshot.sqlite.tmp');
    let finished = false;
    const snapshot = store.snapshot().then(() => void (finished = true));
    await hold.reached;
    const mark = fs.ops.length;
    for (let i = 0; i < 3; i++) await writer.send(); // one at a time: each acknowledged on its own
    await writer.sendMany(50); // and a group commit
    assert.equal(writer.acked.length, 58);
    assert.equal(finished, false, 'all acknowledged while the snapshot is still being written');
    const during = fs.ops.slice(mark);
    assert.ok(during.includes('datasync journal.1.log'), `acknowledged from the new journal file: ${during.join(', ')}`);
    assert.ok(!during.some((op) => op.includes('snapshot.sqlite')), during.join(', '));
    assert.deepEqual(await journalNames(dir), ['journal.log', 'journal.1.log'], 'the old file stays until the snapshot is durable');

    hold.release();
    await snapshot;
    assert.deepEqual(await journalNames(dir), ['journal.1.log'], 'then it goes');
    assert.equal(await snapshotSeq(dir), 3 + 5, 'the snapshot holds what was in memory at its export');

    fs.crashed = true; // die: the snapshot and journal.1.log must carry everything
    await store.close();
    await assertDurable(dir, roomId, writer);
  });
});

/**
 * Four messages in journal.log; a snapshot whose image write is held while
 * three more are acknowledged from journal.1.log; two more after it.
 * Seed (3 records) + 4 = 7: the snapshot's seq.
 */
async function backgroundSnapshotRun(fs: FaultyFs, dir: string) {
  const store = await openStore(dir, { fs, snapshotEveryRecords: 1e9, retryEveryMs: 60_000 });
  const { userId, roomId } = await seed(store);
  const writer = new Writer(store, roomId, userId);
  for (let i = 0; i < 4; i++) await writer.send();
  const mark = fs.ops.length;
  const hold = holdOnce(fs, 'write snapshot.sqlite.tmp');
  const snapshot = store.snapshot().then(
    () => true,
    () => false,
  );
  await Promise.race([hold.reached, snapshot]); // a crash before the hold ends the snapshot there
  for (let i = 0; i < 3; i++) await writer.send();
  hold.release();
  const snapshotOk = await snapshot;
  for (let i = 0; i < 2; i++) await writer.send();
  fs.crashed = true; // the process dies here at the latest: no snapshot at close
  await store.close();
  return { mark, roomId, writer, snapshotOk };
}

test('crash at every file operation of a background snapshot, with appends acknowledged during it', async () => {
  let dry!: { mark: number; ops: string[]; end: number };
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    const { mark, writer, snapshotOk } = await backgroundSnapshotRun(fs, dir);
    assert.ok(snapshotOk);
    assert.equal(writer.acked.length, 9);
    dry = { mark, ops: fs.ops, end: fs.ops.length };
  });
  const at = (op: string, from = dry.mark) => dry.ops.indexOf(op, from);
  const rotation = at('open journal.1.log');
  const hold = at('write snapshot.sqlite.tmp');
  const rename = at('rename snapshot.sqlite');
  const unlink = at('unlink journal.log');
  assert.ok(rotation >= 0 && rotation < hold && hold < rename && rename < unlink, dry.ops.slice(dry.mark).join(', '));
  // Acknowledged while the image was held: between the hold and the rename.
  assert.equal(dry.ops.slice(hold, rename).filter((op) => op === 'datasync journal.1.log').length, 3);

  for (let index = dry.mark; index < dry.end; index++) {
    for (const performed of [false, true]) {
      await withTempDir(async (dir) => {
        const fs = new FaultyFs();
        fs.crashAt = { index, performed };
        const { roomId, writer } = await backgroundSnapshotRun(fs, dir);
        assert.ok(fs.crashed, `crash point ${index} reached`);
        const past = (i: number) => index > i || (index === i && performed);
        const where = `crash at ${dry.ops[index]} (${performed ? 'performed' : 'not performed'})`;
        // What is on disk in each window.
        assert.equal(await snapshotSeq(dir), past(rename) ? 7 : 0, `${where}: snapshot`);
        const journals = await journalNames(dir);
        assert.equal(journals.includes('journal.log'), !past(unlink), `${where}: ${journals.join(', ')}`);
        assert.equal(journals.includes('journal.1.log'), past(rotation), `${where}: ${journals.join(', ')}`);

        await assertDurable(dir, roomId, writer);
        // One clean open and close later, the folder is tidy again.
        const names = (await readdir(dir)).sort();
        assert.equal((await journalNames(dir)).length, 1, `${where}: ${names.join(', ')}`);
        assert.ok(!names.some((n) => n.includes('.tmp')), `${where}: ${names.join(', ')}`);
      });
    }
  }
});

test('a journal file the snapshot supersedes is not read at open: damage in it after a crash before its deletion is harmless', async () => {
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    fs.crashAtOp = { op: 'unlink journal.log', performed: false };
    const { roomId, writer } = await backgroundSnapshotRun(fs, dir);
    assert.deepEqual(await journalNames(dir), ['journal.log', 'journal.1.log']);
    assert.equal(await snapshotSeq(dir), 7);
    // Damage in the middle of journal.log, which would stop any replay of it.
    const path = join(dir, 'journal.log');
    const bytes = await readFile(path);
    const frames = scanFrames(bytes).frames;
    bytes[frames[2]!.offset + 8 + 3]! ^= 0x20;
    await writeFile(path, bytes);

    await assertDurable(dir, roomId, writer);
    assert.deepEqual(await journalNames(dir), ['journal.1.log'], 'deleted by the next close');
  });
});

test('a new journal file that cannot be made durable: that snapshot fails, appends go on in the old file, nothing lost', async () => {
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    const opening = openStore(dir, { fs, snapshotEveryRecords: 1e9 });
    const store = await opening;
    const { userId, roomId } = await seed(store);
    const writer = new Writer(store, roomId, userId);
    await writer.sendMany(3);

    failOp(fs, 'syncDir data', 1); // the rotation's folder fsync
    await assert.rejects(store.snapshot(), (error: unknown) => isUnavailable(error) && /journal\.1\.log/.test(String(error)));
    assert.deepEqual(store.health(), { writable: true });
    assert.ok(opening.logs.some((l) => l.event === 'snapshot_failed'));
    assert.deepEqual(await journalNames(dir), ['journal.log'], 'the file that was not made durable is removed');
    await writer.sendMany(3);
    assert.equal(writer.refused.length, 0);

    await store.snapshot(); // the next one works, with a generation never used before
    assert.deepEqual(await journalNames(dir), ['journal.2.log']);
    await writer.sendMany(2);
    fs.crashed = true;
    await store.close();
    await assertDurable(dir, roomId, writer);
  });
});

test('a new journal file that can be neither made durable nor removed: later records stay in the old file and replay in order', async () => {
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    const store = await openStore(dir, { fs, snapshotEveryRecords: 1e9 });
    const { userId, roomId } = await seed(store);
    const writer = new Writer(store, roomId, userId);
    await writer.sendMany(3);
    let left = 2;
    fs.intercept = (op) => {
      if ((op === 'syncDir data' || op === 'unlink journal.1.log') && left-- > 0) throw errno('EIO', `injected, ${op}`);
    };
    await assert.rejects(store.snapshot(), isUnavailable);
    assert.deepEqual(await journalNames(dir), ['journal.log', 'journal.1.log'], 'an empty journal.1.log is left behind');
    await writer.sendMany(3); // into journal.log
    fs.crashed = true;
    await store.close();

    // Reopened, appends go to the newest file (the empty one) and replay after journal.log's.
    const fs2 = new FaultyFs();
    const again = await openStore(dir, { fs: fs2, snapshotEveryRecords: 1e9 });
    const writer2 = new Writer(again, roomId, userId, 'after-reopen');
    await writer2.sendMany(2);
    fs2.crashed = true;
    await again.close();
    assert.deepEqual(await journalNames(dir), ['journal.log', 'journal.1.log']);
    assert.equal(scanFrames(await readFile(join(dir, 'journal.1.log'))).frames.length, 2);
    await assertDurable(dir, roomId, writer);
    await assertDurable(dir, roomId, writer2);
  });
});

test('an old journal file that cannot be deleted is kept, skipped at open, and deleted after the next snapshot', async () => {
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    const opening = openStore(dir, { fs, snapshotEveryRecords: 1e9 });
    const store = await opening;
    const { userId, roomId } = await seed(store);
    const writer = new Writer(store, roomId, userId);
    await writer.sendMany(3);
    failOp(fs, 'unlink journal.log', 1);
    await store.snapshot(); // the snapshot itself worked
    assert.ok(opening.logs.some((l) => l.event === 'journal_remove_failed'));
    assert.deepEqual(await journalNames(dir), ['journal.log', 'journal.1.log']);
    await writer.sendMany(3);
    await store.snapshot();
    assert.deepEqual(await journalNames(dir), ['journal.2.log']);
    fs.crashed = true;
    await store.close();
    await assertDurable(dir, roomId, writer);
  });
});

test('the journal fails while a snapshot is being written: refused at once, the snapshot completes, recovery waits for it', async () => {
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    const opening = openStore(dir, { fs, snapshotEveryRecords: 1e9, retryEveryMs: 20 });
    const store = await opening;
    const { userId, roomId } = await seed(store);
    const writer = new Writer(store, roomId, userId);
    await writer.sendMany(4);

    const hold = holdOnce(fs, 'write snapshot.sqlite.tmp');
    const snapshot = store.snapshot();
    await hold.reached;
    const holding = fs.intercept!;
    fs.intercept = (op) => {
      if (op === 'datasync journal.1.log') throw errno('EIO', 'injected, journal fsync');
      return holding(op);
    };
    await writer.sendMany(3);
    assert.equal(writer.refused.length, 3);
    assert.equal(store.health().writable, false);
    await assert.rejects(store.appendMessage({ roomId, userId, body: 'refused at once', sentAt: 0 }), isUnavailable);
    await new Promise((resolve) => setTimeout(resolve, 100)); // several recovery attempts are due: they wait for the snapshot
    assert.equal(opening.logs.filter((l) => l.event === 'snapshot_written').length, 1, 'only the one at open so far');

    fs.intercept = undefined;
    hold.release();
    await snapshot; // the image was of memory at the export: the failure does not touch it
    await waitUntil(() => store.health().writable, 'recovery');
    await writer.sendMany(3);
    assert.equal(writer.acked.length, 7);
    fs.crashed = true;
    await store.close();
    await assertDurable(dir, roomId, writer);
  });
});

test('damage in an older journal file the snapshot does not hold: open refuses naming it; repair keeps what precedes and moves the newer file aside', async () => {
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    // After the image is written, before it replaces the snapshot made at open: both journal files are needed.
    fs.crashAtOp = { op: 'rename snapshot.sqlite', nth: 2, performed: false };
    const { roomId } = await backgroundSnapshotRun(fs, dir);
    assert.deepEqual(await journalNames(dir), ['journal.log', 'journal.1.log']);
    const path = join(dir, 'journal.log');
    const pristine = await readFile(path);
    const frames = scanFrames(pristine).frames;
    assert.equal(frames.length, 7, 'seed and four messages');

    // A torn tail in the older file (its last record cut short) leaves a gap before the newer one: corrupt, not torn.
    await truncate(path, pristine.length - 3);
    await assert.rejects(openStore(dir), (error: unknown) => {
      assert.ok(error instanceof StoreError && error.code === 'corrupt', String(error));
      assert.match(error.message, /journal\.1\.log: record seq 8 leaves a gap after seq 6/);
      return true;
    });

    // Damage in the middle of the older file.
    const bytes = Buffer.from(pristine);
    const victim = frames[5]!;
    bytes[victim.offset + 8 + 4]! ^= 0x20;
    await writeFile(path, bytes);
    const newer = await readFile(join(dir, 'journal.1.log'));
    await assert.rejects(openStore(dir), (error: unknown) => {
      assert.ok(error instanceof StoreError && error.code === 'corrupt');
      assert.match(error.message, new RegExp(`journal\\.log: .* at byte offset ${victim.offset}\\b`));
      return true;
    });

    const report = await repairStore(dir);
    assert.equal(report.opens, true, report.summary.join('\n'));
    assert.equal(report.journal.status, 'truncated');
    assert.equal(report.journal.damageFile, path);
    assert.equal(report.journal.damageOffset, victim.offset);
    assert.equal(report.journal.recordsKept, 5);
    assert.equal(report.journal.bytesCut, bytes.length - victim.offset + newer.length);
    assert.equal(report.journal.backups?.length, 2);
    assert.deepEqual(await readFile(report.journal.backups![0]!), bytes.subarray(victim.offset));
    assert.deepEqual(await readFile(report.journal.backups![1]!), newer, 'the newer file is kept whole');
    assert.match(report.summary.join('\n'), /journal\.1\.log: follows the damage in journal\.log/);
    assert.deepEqual(await journalNames(dir), ['journal.log']);

    const store = await openStore(dir);
    assert.deepEqual(allMessageIds(store, roomId), [1, 2], 'the two messages before the damaged record');
    await store.close();
  });
});
