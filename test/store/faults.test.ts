import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep, setImmediate as nextTurn } from 'node:timers/promises';
import { StoreError } from '../../src/server/store/chat-store.ts';
import type { SqlJsStore } from '../../src/server/store/sqljs-store.ts';
import { FaultyFs, openStore, seed, withTempDir } from './helpers.ts';

const isUnavailable = (error: unknown) => error instanceof StoreError && error.code === 'unavailable';

async function waitUntil(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Appends and records which were acknowledged and which were refused. */
class Writer {
  acked: { id: number; body: string }[] = [];
  refused: string[] = [];
  private n = 0;
  constructor(
    private readonly store: SqlJsStore,
    private readonly roomId: number,
    private readonly userId: number,
  ) {}
  send(): Promise<void> {
    const body = `msg-${this.n++}`;
    return this.store.appendMessage({ roomId: this.roomId, userId: this.userId, body, sentAt: this.n }).then(
      (m) => void this.acked.push({ id: m.id, body }),
      (error: unknown) => {
        assert.ok(isUnavailable(error), String(error));
        this.refused.push(body);
      },
    );
  }
  sendMany(count: number): Promise<void> {
    return Promise.all(Array.from({ length: count }, () => this.send())).then(() => undefined);
  }
}

/** Reopens with the real file system: every acknowledged message is there, once; nothing is doubled. */
async function assertDurable(dir: string, roomId: number, writer: Writer): Promise<void> {
  const store = await openStore(dir);
  try {
    const rows = store.messagesAfter(roomId, 0, 1_000_000);
    const byBody = new Map<string, number>();
    for (const row of rows) byBody.set(row.body, (byBody.get(row.body) ?? 0) + 1);
    for (const { id, body } of writer.acked) {
      assert.equal(byBody.get(body), 1, `acknowledged ${body} present exactly once`);
      assert.equal(rows.find((r) => r.body === body)!.id, id);
    }
    assert.ok([...byBody.values()].every((n) => n === 1), 'no message applied twice');
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length);
    assert.deepEqual(store.integrityCheck(), ['ok']);
  } finally {
    await store.close();
  }
}

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

    fs.faults.rename = true;
    const racing = writer.sendMany(3); // in memory before the snapshot starts: the snapshot was to cover them
    await assert.rejects(store.snapshot(), isUnavailable);
    await racing;
    assert.equal(writer.refused.length, 0, 'the journal took over what the failed snapshot was to cover');
    assert.deepEqual(store.health(), { writable: true }, 'the journal still works, so the store does');
    for (let i = 0; i < 10; i++) await writer.send(); // automatic snapshots every 4 records fail too
    assert.ok(opening.logs.filter((l) => l.event === 'snapshot_failed').length >= 2);
    assert.deepEqual(await readFile(join(dir, 'snapshot.sqlite')), snapshotBefore, 'old snapshot untouched');
    assert.deepEqual((await readdir(dir)).sort(), ['journal.log', 'snapshot.sqlite'], 'no temp file left');

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
  assert.ok(dry.ops.includes('rename snapshot.sqlite'), dry.ops.join(', '));
  assert.ok(dry.ops.includes('open journal.log'), dry.ops.join(', '));

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
