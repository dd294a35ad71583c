// Store benchmarks on SqlJsStore directly (no network), in a process of
// their own: durable messages per second with group commit, building a
// history of N messages, start-up time with it, and the time of a history
// page of 50.

import { Histogram } from '../lib/histogram.ts';
import { serve } from '../lib/rpc.ts';
import { nodeFileSystem, SqlJsStore, type StoreFile, type StoreFileSystem } from '../../src/server/store/index.ts';
import { loadSnapshot } from '../../src/server/store/recovery.ts';
import { writeSnapshot } from '../../src/server/store/snapshot.ts';

const quiet = () => {};

/** The real file system, counting fdatasync/fsync calls: group commit means many records per sync. */
function countingFs(counts: { syncs: number }): StoreFileSystem {
  return {
    ...nodeFileSystem,
    async open(path, mode, fileMode) {
      const file: StoreFile = await nodeFileSystem.open(path, mode, fileMode);
      return {
        write: (data, position) => file.write(data, position),
        datasync: () => {
          counts.syncs++;
          return file.datasync();
        },
        sync: () => {
          counts.syncs++;
          return file.sync();
        },
        truncate: (length) => file.truncate(length),
        close: () => file.close(),
      };
    },
  };
}

const BODY = 'a line of chat of a typical length, some sixty bytes or so';

async function seed(store: SqlJsStore, rooms: number): Promise<{ roomIds: number[]; userId: number }> {
  const [user] = await store.importUsers([{ name: 'writer', nameKey: 'writer', passwordHash: 'unused', createdAt: Date.now() }]);
  const roomIds: number[] = [];
  for (let r = 0; r < rooms; r++) roomIds.push((await store.ensureRoom(`room${r}`, `room${r}`, Date.now())).id);
  return { roomIds, userId: user!.id };
}

serve({
  /** `writers` concurrent writers, each awaiting its append before the next, for `seconds`. */
  async durable(args: { dir: string; writers: number; seconds: number }) {
    const counts = { syncs: 0 };
    const store = await SqlJsStore.open({ dir: args.dir, log: quiet, fs: countingFs(counts) });
    const { roomIds, userId } = await seed(store, 10);
    const latency = new Histogram();
    const syncsBefore = counts.syncs;
    const deadline = performance.now() + args.seconds * 1000;
    const started = performance.now();
    let written = 0;
    await Promise.all(
      Array.from({ length: args.writers }, async (_, w) => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          await store.appendMessage({ roomId: roomIds[w % roomIds.length]!, userId, body: BODY, sentAt: Date.now() });
          latency.record(performance.now() - t0);
          written++;
        }
      }),
    );
    const ms = performance.now() - started;
    const syncs = counts.syncs - syncsBefore;
    await store.close();
    return { written, ms, perSecond: (written * 1000) / ms, syncs, recordsPerSync: written / Math.max(1, syncs), latency: latency.toJSON() };
  },

  /**
   * A store holding `messages` lines over `rooms` rooms. The store is created
   * by SqlJsStore (schema, rooms, a user, its snapshot); the lines are then
   * written in one transaction into the snapshot image, through the store's
   * own snapshot module: appending a million lines one by one through
   * appendMessage would take longer than the whole benchmark budget (its
   * rate is what `durable` measures).
   */
  async build(args: { dir: string; messages: number; rooms: number }) {
    const started = performance.now();
    const store = await SqlJsStore.open({ dir: args.dir, log: quiet });
    const { roomIds, userId } = await seed(store, args.rooms);
    await store.close();
    const { db, lastSeq } = await loadSnapshot(nodeFileSystem, args.dir);
    try {
      const firstId = Number(db.exec('SELECT COALESCE(MAX(id), 0) FROM messages')[0]?.values[0]?.[0] ?? 0) + 1;
      const insert = db.prepare('INSERT INTO messages (id, room_id, user_id, body, sent_at) VALUES (?, ?, ?, ?, ?)');
      const sentAt = Date.now() - args.messages;
      db.run('BEGIN');
      for (let i = 0; i < args.messages; i++) {
        insert.run([firstId + i, roomIds[i % roomIds.length]!, userId, `${BODY} #${i}`, sentAt + i]);
        if (i % 100_000 === 99_999) process.send?.({ rpc: 'event', name: 'progress', data: { done: i + 1 } });
      }
      db.run('COMMIT');
      insert.free();
      const image = db.export();
      await writeSnapshot(nodeFileSystem, args.dir, image, lastSeq);
      return { ms: performance.now() - started, snapshotBytes: image.length };
    } finally {
      db.close();
    }
  },

  /** Opens the store (the start-up work of the server's store), then times `samples` history pages of `limit`. */
  async openAndPage(args: { dir: string; samples: number; limit: number }) {
    const t0 = performance.now();
    const store = await SqlJsStore.open({ dir: args.dir, log: quiet });
    const openMs = performance.now() - t0;
    const rooms = store.listRooms();
    const newest = store.messageCount();
    const latency = new Histogram();
    for (let i = 0; i < args.samples; i++) {
      const room = rooms[i % rooms.length]!;
      // Anywhere in the history: the newest page, or one from deep in the past.
      const before = i % 2 === 0 ? undefined : 1 + Math.floor(Math.random() * newest);
      const start = performance.now();
      store.messagesBefore(room.id, before, args.limit + 1);
      latency.record(performance.now() - start);
    }
    const messages = store.messageCount();
    const rss = process.memoryUsage().rss;
    await store.close();
    return { openMs, messages, rss, latency: latency.toJSON() };
  },
});

