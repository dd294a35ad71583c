import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../../src/server/store/chat-store.ts';
import { repairStore } from '../../src/server/store/repair.ts';
import { allMessageIds, currentJournal, journalNames, openStore, seed, withTempDir } from './helpers.ts';

/** A store closed cleanly: everything in snapshot.sqlite, an empty journal. */
async function closedStore(dir: string) {
  const store = await openStore(dir);
  const { userId, roomId } = await seed(store);
  const ids: number[] = [];
  for (let i = 0; i < 10; i++) {
    ids.push((await store.appendMessage({ roomId, userId, body: `message-number-${i}`, sentAt: i })).id);
  }
  await store.close();
  const snapshot = join(dir, 'snapshot.sqlite');
  assert.equal((await readFile(join(dir, 'journal.log'))).length, 0);
  return { userId, roomId, ids, snapshot };
}

function isCorruptSnapshot(offset: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.code, 'corrupt');
    assert.match(error.message, /snapshot\.sqlite/);
    assert.match(error.message, offset);
    return true;
  };
}

test('a flipped byte in the snapshot is detected; repair salvages an image SQLite still accepts', async () => {
  await withTempDir(async (dir) => {
    const { roomId, ids, snapshot } = await closedStore(dir);
    const bytes = await readFile(snapshot);
    const at = bytes.indexOf('message-number-7');
    assert.ok(at > 0);
    bytes[at]! ^= 0x01; // 'm' -> 'l' inside a row: structure intact, content damaged
    await writeFile(snapshot, bytes);

    await assert.rejects(openStore(dir), isCorruptSnapshot(/checksum.*byte offset 12/));

    const report = await repairStore(dir);
    assert.equal(report.snapshot.status, 'salvaged');
    assert.match(report.summary.join('\n'), /salvaged/);
    assert.deepEqual(await readFile(report.snapshot.backup!), bytes, 'the damaged file is kept');
    assert.match(report.snapshot.backup!, /snapshot\.sqlite\.damaged\..*\.bak$/);
    assert.equal(report.opens, true);

    const store = await openStore(dir);
    assert.deepEqual(allMessageIds(store, roomId), ids);
    assert.equal(store.messagesAfter(roomId, 0, 100)[7]!.body, 'lessage-number-7', 'the damage itself is not undone');
    assert.deepEqual(store.integrityCheck(), ['ok']);
    await store.close();
  });
});

test('a truncated snapshot is detected; repair replaces it, keeps the journal, and says what is lost', async () => {
  await withTempDir(async (dir) => {
    const { userId, roomId, snapshot } = await closedStore(dir);
    // More work after the snapshot, in the journal only.
    const store = await openStore(dir);
    const later = await store.appendMessage({ roomId, userId, body: 'after the snapshot', sentAt: 99 });
    await store.snapshot(); // the snapshot now holds `later` too...
    const last = await store.appendMessage({ roomId, userId, body: 'journal only', sentAt: 100 });
    const journal = await currentJournal(dir);
    assert.deepEqual(await journalNames(dir), ['journal.1.log'], 'the snapshot moved the journal on and deleted the old file');
    const journalBytes = await readFile(journal);
    const snapshotBytes = await readFile(snapshot);
    await store.close();
    // ...put the files back as they were before close (as if the process had died there).
    await writeFile(journal, journalBytes);
    await writeFile(snapshot, snapshotBytes);
    const size = snapshotBytes.length;
    await truncate(snapshot, size - 4096);

    await assert.rejects(openStore(dir), isCorruptSnapshot(/byte offset 24/));

    const report = await repairStore(dir);
    assert.equal(report.snapshot.status, 'replaced');
    assert.match(report.summary.join('\n'), /NOT recoverable/);
    assert.ok((await readdir(dir)).some((n) => n.startsWith('snapshot.sqlite.damaged.')));
    assert.equal(report.opens, true);

    const repaired = await openStore(dir);
    const bodies = repaired.messagesAfter(roomId, 0, 100).map((m) => m.body);
    assert.deepEqual(bodies, ['journal only'], 'what the journal held survives; the snapshot\'s rows are gone');
    assert.ok(last.id > later.id);
    assert.equal(repaired.userCount(), 0, 'users lived only in the lost snapshot');
    // The server recreates what it needs; ids still never go backwards.
    const room = await repaired.ensureRoom('general', 'general', 1);
    const user = await repaired.createUser({ name: 'Ann', nameKey: 'ann', passwordHash: 'h', createdAt: 1 });
    const next = await repaired.appendMessage({ roomId: room.id, userId: user.id, body: 'x', sentAt: 1 });
    assert.equal(next.id, last.id + 1);
    await repaired.close();
  });
});

test('bad magic is reported at offset 0', async () => {
  await withTempDir(async (dir) => {
    const { snapshot } = await closedStore(dir);
    const bytes = await readFile(snapshot);
    bytes[0] = 0x58;
    await writeFile(snapshot, bytes);
    await assert.rejects(openStore(dir), isCorruptSnapshot(/bad magic.*byte offset 0\b/));
  });
});

test('a stale temp snapshot (crash mid-snapshot) is never loaded and is removed at open', async () => {
  await withTempDir(async (dir) => {
    const { roomId, ids } = await closedStore(dir);
    await writeFile(join(dir, 'snapshot.sqlite.tmp'), Buffer.from('half a snapshot'));
    const opening = openStore(dir);
    const store = await opening;
    assert.deepEqual(allMessageIds(store, roomId), ids);
    assert.ok(opening.logs.some((l) => l.event === 'stale_temp_removed'));
    assert.deepEqual((await readdir(dir)).sort(), ['journal.log', 'snapshot.sqlite']);
    await store.close();
  });
});
