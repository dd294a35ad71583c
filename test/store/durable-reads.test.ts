// History reads show only durable lines: a line is in memory before its
// journal record is fsync'd, and a history request answered in between must
// not show it (a crash could still take it back; its live delivery, which
// waits for durability, would also come after the page that showed it).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore, seed, withTempDir } from './helpers.ts';

test('a line not yet durable is in no history page; once acknowledged it is in both kinds', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    try {
      const { userId, roomId } = await seed(store);
      const first = await store.appendMessage({ roomId, userId, body: 'durable', sentAt: 1 });
      // The insert is synchronous; the acknowledgement waits for the journal's fsync.
      const pending = store.appendMessage({ roomId, userId, body: 'in flight', sentAt: 2 });
      assert.deepEqual(store.messagesAfter(roomId, 0, 10).map((m) => m.body), ['durable']);
      assert.deepEqual(store.messagesBefore(roomId, undefined, 10).map((m) => m.body), ['durable']);
      assert.deepEqual(store.messagesBefore(roomId, first.id + 5, 10).map((m) => m.body), ['durable']);
      const second = await pending;
      assert.deepEqual(store.messagesAfter(roomId, 0, 10).map((m) => m.id), [first.id, second.id]);
      assert.deepEqual(store.messagesBefore(roomId, undefined, 10).map((m) => m.id), [first.id, second.id]);
    } finally {
      await store.close();
    }
    // What was on disk at open is durable.
    const reopened = await openStore(dir);
    try {
      assert.equal(reopened.messagesAfter(1, 0, 10).length, 2);
    } finally {
      await reopened.close();
    }
  });
});
