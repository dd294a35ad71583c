import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep, setImmediate as nextTurn } from 'node:timers/promises';
import { assertDurable, FaultyFs, isUnavailable, journalNames, openStore, seed, waitUntil, withTempDir, Writer } from './helpers.ts';

for (const fault of ['sync', 'enospc'] as const) {
  test(`${fault === 'sync' ? 'failing fsync' : 'ENOSPC on write'}: refuse, report, recover, stay durable`, async () => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFs();
      const store = await openStore(dir, { fs });
      const { userId, roomId } = await seed(store);
      const writer = new Writer(store, roomId, userId);
      await writer.sendMany(5);

      fs.faults[fault] = true;
      await writer.sendMany(3); // one batch, all refused together
      assert.equal(writer.refused.length, 3);
      const health = store.health();
      assert.equal(health.writable, false);
      assert.match(health.reason ?? '', fault === 'sync' ? /EIO/ : /ENOSPC/);

      const count = store.messageCount();
      await assert.rejects(store.appendMessage({ roomId, userId, body: 'refused at once', sentAt: 0 }), isUnavailable);
      await assert.rejects(store.addMember(roomId, userId), isUnavailable, 'no-op mutations too');
      assert.equal(store.messageCount(), count, 'a refused mutation never touches memory');
      await sleep(100); // several background retries, all failing
      assert.equal(store.health().writable, false);

      fs.faults[fault] = false;
      await waitUntil(() => store.health().writable, 'recovery');
      assert.deepEqual(store.health(), { writable: true });
      await writer.sendMany(5);
      assert.equal(writer.acked.length, 10);

      fs.crashed = true; // die without a final snapshot: the journal must carry the rest
      await store.close();
      await assertDurable(dir, roomId, writer);
    });
  });
}

test('ENOSPC and the process dies before recovery: the torn tail is dropped, acknowledged data kept', async () => {
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    const store = await openStore(dir, { fs, retryEveryMs: 60_000 });
    const { userId, roomId } = await seed(store);
    const writer = new Writer(store, roomId, userId);
    await writer.sendMany(5);
    fs.faults.enospc = true;
    await writer.sendMany(4);
    fs.crashed = true;
    await store.close();
    await assertDurable(dir, roomId, writer);
  });
});

test('failing rename during a snapshot: old snapshot and journal stay loadable, nothing lost', async () => {
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    const opening = openStore(dir, { fs, snapshotEveryRecords: 4 });
    const store = await opening;
    const { userId, roomId } = await seed(store);
    const writer = new Writer(store, roomId, userId);
    await writer.sendMany(5);
    await store.snapshot();
    const snapshotBefore = await readFile(join(dir, 'snapshot.sqlite'));
    const [journalBefore] = await journalNames(dir);

    fs.faults.rename = true;
    const racing = writer.sendMany(3); // in memory before the snapshot starts: the snapshot was to cover them
    await assert.rejects(store.snapshot(), isUnavailable);
    await racing;
    assert.equal(writer.refused.length, 0, 'the journal took over what the failed snapshot was to cover');
    assert.deepEqual(store.health(), { writable: true }, 'the journal still works, so the store does');
    for (let i = 0; i < 10; i++) await writer.send(); // automatic snapshots every 4 records fail too
    assert.ok(opening.logs.filter((l) => l.event === 'snapshot_failed').length >= 2);
    // Snapshots are written in the background: this one waits for any in flight, then fails too.
    await assert.rejects(store.snapshot(), isUnavailable);
    assert.deepEqual(await readFile(join(dir, 'snapshot.sqlite')), snapshotBefore, 'old snapshot untouched');
    const names = (await readdir(dir)).sort();
    assert.ok(!names.some((n) => n.includes('.tmp')), `no temp file left: ${names.join(', ')}`);
    // Each attempt started a journal file; none is deleted while no snapshot holds its records.
    const journals = await journalNames(dir);
    assert.ok(journals.length >= 3, journals.join(', '));
    assert.equal(journals[0], journalBefore);

    fs.crashed = true;
    await store.close();
    await assertDurable(dir, roomId, writer);
    assert.equal(writer.acked.length, 18);
  });
});

// A process killed at any point of the snapshot sequence (temp write, fsync,
// rename, folder fsync, journal restart) and of the journal appends that race
// it: reopening finds every acknowledged record, once.
test('crash at every file operation of a snapshot, before and after it takes effect', async () => {
  async function run(fs: FaultyFs, dir: string) {
    const store = await openStore(dir, { fs, snapshotEveryRecords: 1e9, retryEveryMs: 60_000 });
    const { userId, roomId } = await seed(store);
    const writer = new Writer(store, roomId, userId);
    await writer.sendMany(5);
    const mark = fs.ops.length;
    const snapshot = store.snapshot().catch(() => {});
    const covered = writer.sendMany(3);
    await nextTurn();
    await nextTurn();
    const racing = writer.sendMany(3); // arrives while the snapshot is being written
    await Promise.all([snapshot, covered, racing]);
    await writer.sendMany(2);
    fs.crashed = true;
    await store.close();
    return { mark, roomId, writer };
  }

  let dry!: { mark: number; end: number; ops: string[] };
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    const { mark } = await run(fs, dir);
    dry = { mark, end: fs.ops.length, ops: fs.ops.slice(mark) };
  });
  // The journal moves to a new file, the snapshot is written, then the old journal file goes.
  const at = (op: string) => dry.ops.indexOf(op);
  assert.ok(at('open journal.1.log') >= 0, dry.ops.join(', '));
  assert.ok(at('open journal.1.log') < at('rename snapshot.sqlite'), dry.ops.join(', '));
  assert.ok(at('rename snapshot.sqlite') < at('unlink journal.log'), dry.ops.join(', '));

  for (let index = dry.mark; index < dry.end; index++) {
    for (const performed of [false, true]) {
      await withTempDir(async (dir) => {
        const fs = new FaultyFs();
        fs.crashAt = { index, performed };
        const { roomId, writer } = await run(fs, dir);
        assert.ok(fs.crashed, `crash point ${index} reached`);
        if (process.env.STORE_TEST_VERBOSE) console.log(dry.ops[index - dry.mark], performed, writer.acked.length, writer.refused.length);
        await assertDurable(dir, roomId, writer);
      });
    }
  }
});
