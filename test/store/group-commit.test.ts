import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { FaultyFs, allMessageIds, openStore, seed, withTempDir } from './helpers.ts';

test('group commit: 1,000 concurrent appends share a handful of fsyncs and all resolve', async () => {
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    const store = await openStore(dir, { fs });
    const { userId, roomId } = await seed(store);
    const before = { ...fs.counts };

    const all = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => store.appendMessage({ roomId, userId, body: `b${i}`, sentAt: i })),
    );
    const fsyncs = fs.counts.datasync - before.datasync;
    const writes = fs.counts.write - before.write;
    assert.equal(all.length, 1000);
    assert.ok(fsyncs >= 1 && fsyncs <= 3, `${fsyncs} fsyncs for 1,000 records`);
    if (process.env.STORE_TEST_VERBOSE) console.log(`1,000 appends: ${fsyncs} fsync(s), ${writes} write(s)`);
    assert.equal(writes, fsyncs, 'one write per batch');
    assert.deepEqual(all.map((m) => m.id), allMessageIds(store, roomId), 'ids in call order');

    fs.crashed = true;
    await store.close();
    const again = await openStore(dir);
    assert.equal(again.messageCount(), 1000);
    await again.close();
  });
});

test('group commit: records arriving while an fsync is in flight ride the next one', async () => {
  await withTempDir(async (dir) => {
    const fs = new FaultyFs();
    const store = await openStore(dir, { fs });
    const { userId, roomId } = await seed(store);
    const before = fs.counts.datasync;
    const pending: Promise<unknown>[] = [];
    for (let wave = 0; wave < 50; wave++) {
      for (let i = 0; i < 20; i++) pending.push(store.appendMessage({ roomId, userId, body: `${wave}.${i}`, sentAt: 0 }));
      await nextTurn();
    }
    await Promise.all(pending);
    const fsyncs = fs.counts.datasync - before;
    assert.ok(fsyncs < 1000 / 5, `${fsyncs} fsyncs for 1,000 records in 50 waves`);
    if (process.env.STORE_TEST_VERBOSE) console.log(`50 waves of 20: ${fsyncs} fsyncs`);
    await store.close();
  });
});
