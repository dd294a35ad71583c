import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../../src/server/store/chat-store.ts';
import { scanFrames } from '../../src/server/store/frames.ts';
import { decodeRecord } from '../../src/server/store/journal-records.ts';
import { repairStore } from '../../src/server/store/repair.ts';
import { allMessageIds, FaultyFs, openStore, seed, withTempDir } from './helpers.ts';

const MESSAGES = 20;

/** A store whose process died after MESSAGES acknowledged appends: all of it is in journal.log. */
async function crashedStore(dir: string) {
  const fs = new FaultyFs();
  const store = await openStore(dir, { fs });
  const { userId, roomId } = await seed(store);
  const ids: number[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    ids.push((await store.appendMessage({ roomId, userId, body: `m${i}`, sentAt: i })).id);
  }
  fs.crashed = true;
  await store.close();
  const journal = join(dir, 'journal.log');
  const frames = scanFrames(await readFile(journal)).frames;
  assert.equal(frames.length, 3 + MESSAGES, 'seed (3 records) + messages, all in the journal');
  return { roomId, ids, journal, frames };
}

test('torn tail: a journal cut short by a few bytes loses only its last record', async () => {
  for (const cut of [1, 3, 9]) {
    await withTempDir(async (dir) => {
      const { roomId, ids, journal, frames } = await crashedStore(dir);
      const size = (await readFile(journal)).length;
      await truncate(journal, size - cut);
      const opening = openStore(dir);
      const store = await opening;
      assert.deepEqual(allMessageIds(store, roomId), ids.slice(0, -1), `cut ${cut}`);
      const torn = opening.logs.find((l) => l.event === 'journal_torn_tail');
      assert.ok(torn, 'a log line says so');
      assert.equal(torn.fields.offset, frames.at(-1)!.offset);
      assert.equal((await readFile(journal)).length, frames.at(-1)!.offset, 'file cut back to the last good record');
      // And it goes on from there.
      const next = await store.appendMessage({ roomId, userId: 1, body: 'after', sentAt: 1 });
      assert.equal(next.id, ids.at(-1)!);
      await store.close();
    });
  }
});

test('torn tail: garbage half-record or zero fill after the last record is dropped, nothing else', async () => {
  const half = Buffer.alloc(8 + 10);
  half.writeUInt32BE(100, 0); // claims 100 bytes, has 10
  half.writeUInt32BE(0xdeadbeef, 4);
  half.write('{"seq":99', 8);
  for (const tail of [half, Buffer.alloc(4096), Buffer.from([0x00, 0x00])]) {
    await withTempDir(async (dir) => {
      const { roomId, ids, journal } = await crashedStore(dir);
      const before = (await readFile(journal)).length;
      await appendFile(journal, tail);
      const opening = openStore(dir);
      const store = await opening;
      assert.deepEqual(allMessageIds(store, roomId), ids);
      assert.ok(opening.logs.some((l) => l.event === 'journal_torn_tail'));
      assert.equal((await readFile(journal)).length, before);
      await store.close();
    });
  }
});

test('mid-journal corruption: open refuses naming file and offset; repair keeps everything before it', async () => {
  await withTempDir(async (dir) => {
    const { roomId, ids, journal, frames } = await crashedStore(dir);
    const bytes = await readFile(journal);
    const victim = frames[12]!;
    const victimSeq = decodeRecord(victim.payload).seq;
    bytes[victim.offset + 8 + 5]! ^= 0x20; // one flipped bit inside record 12's payload
    await writeFile(journal, bytes);

    await assert.rejects(openStore(dir), (error: unknown) => {
      assert.ok(error instanceof StoreError);
      assert.equal(error.code, 'corrupt');
      assert.match(error.message, /journal\.log/);
      assert.match(error.message, new RegExp(`byte offset ${victim.offset}\\b`));
      return true;
    });
    assert.deepEqual(await readFile(journal), bytes, 'a refused open changes nothing');

    const report = await repairStore(dir);
    assert.equal(report.opens, true);
    assert.equal(report.changed, true);
    assert.equal(report.journal.status, 'truncated');
    assert.equal(report.journal.damageOffset, victim.offset);
    assert.equal(report.journal.recordsKept, 12);
    assert.equal(report.journal.bytesCut, bytes.length - victim.offset);
    assert.ok(report.summary.length > 0);
    const backup = await readFile(report.journal.backup!);
    assert.deepEqual(backup, bytes.subarray(victim.offset), 'what was cut is kept, byte for byte');
    assert.ok((await readdir(dir)).some((n) => n.startsWith('journal.log.cut-at-byte-')));

    const store = await openStore(dir);
    const kept = allMessageIds(store, roomId);
    const keptMessages = victimSeq - 1 - 3; // records before the damage, minus the 3 seed records
    assert.deepEqual(kept, ids.slice(0, keptMessages));
    const next = await store.appendMessage({ roomId, userId: 1, body: 'after repair', sentAt: 1 });
    assert.equal(next.id, kept.at(-1)! + 1);
    assert.deepEqual(store.integrityCheck(), ['ok']);
    await store.close();
    const again = await openStore(dir);
    assert.equal(allMessageIds(again, roomId).length, keptMessages + 1);
    await again.close();
  });
});

test('a damaged length field in the middle is corruption too, not a torn tail', async () => {
  await withTempDir(async (dir) => {
    const { journal, frames } = await crashedStore(dir);
    const bytes = await readFile(journal);
    bytes.writeUInt32BE(0x00ffffff, frames[5]!.offset); // runs past the end of the file
    await writeFile(journal, bytes);
    await assert.rejects(openStore(dir), (e: unknown) => (e as StoreError).code === 'corrupt');
  });
});

test('repair on a healthy store changes nothing', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    await seed(store);
    await store.close();
    const report = await repairStore(dir);
    assert.equal(report.changed, false);
    assert.equal(report.opens, true);
    assert.equal(report.snapshot.status, 'ok');
    assert.deepEqual(report.summary, []);
  });
});
