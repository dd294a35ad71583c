// Micro-benchmark for issue 5 (ack latency under load): what a snapshot costs
// and what it does to the latency of commits that arrive while it is taken.
//
//  1. A database shaped like the benchmark's: USERS accounts, SESSIONS
//     sessions, 100 rooms, MEMBERS memberships, MESSAGES lines of 100 bytes
//     (the load generator's body size). Users, sessions, rooms and members go
//     through SqlJsStore; the lines are inserted into the snapshot image in
//     one transaction, as bench/store/store-process.ts does.
//  2. db.export() of that database (synchronous, on the event loop), and
//     writing the snapshot (temp file write, fsync, rename, folder fsync)
//     through the store's own writeSnapshot, each the median of ROUNDS.
//  3. SqlJsStore.appendMessage at RATE commits/s for SECONDS (paced, not
//     closed-loop), with snapshots every SNAPSHOT_EVERY records (the store's
//     default 10,000): the latency of each commit from the call to its
//     durable acknowledgement, the event loop's longest block, and the
//     snapshots taken meanwhile. Commits issued while a snapshot was taken
//     (from its export, estimated as the median of part 2 before its temp
//     file is opened, to its log line) are also shown apart from the rest:
//     on a shared machine the tail of the whole run also holds other
//     processes' stalls, which hit both groups alike.
//  4. Start-up: SqlJsStore.open of that store with an empty journal (load the
//     image) and with REPLAY journal records after the snapshot (replay), as
//     after a crash: what a later snapshot trigger costs at restart.
//
// Wall time throughout (what a client waits for). Usage:
//   node --import tsx bench/micro/snapshot.ts [MESSAGES=100000] [RATE=1500] [SECONDS=20] [SNAPSHOT_EVERY=10000] [REPLAY=50000] [FRACTION]
// FRACTION: the store's snapshotJournalFraction (default: the store's own).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { nodeFileSystem, type RoomRecord, SqlJsStore, type StoreFile, type StoreFileSystem } from '../../src/server/store/index.ts';
import { loadSnapshot } from '../../src/server/store/recovery.ts';
import { writeSnapshot } from '../../src/server/store/snapshot.ts';

const MESSAGES = Number(process.argv[2] ?? 100_000);
const RATE = Number(process.argv[3] ?? 1500);
const SECONDS = Number(process.argv[4] ?? 20);
const SNAPSHOT_EVERY = Number(process.argv[5] ?? 10_000);
const REPLAY = Number(process.argv[6] ?? 50_000);
const FRACTION = process.argv[7] === undefined ? undefined : Number(process.argv[7]);
const USERS = 1000;
const SESSIONS = 10_000;
const ROOMS = 100;
const MEMBERS = 11_000;
const ROUNDS = 5;
const BODY = 'x'.repeat(100);
const HASH = `scrypt$N=131072,r=8,p=1$${'s'.repeat(22)}$${'h'.repeat(86)}`;
const quiet = () => {};
const root = mkdtempSync(join(tmpdir(), 'securechat-micro-snapshot-'));

const rows: [string, string][] = [];
function row(label: string, value: string): void {
  rows.push([label, value]);
  process.stderr.write(`  ${label}: ${value}\n`);
}
const ms = (x: number) => `${x.toFixed(1)} ms`;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
const hex = (i: number) => i.toString(16).padStart(64, '0');

// 1. The database.
async function build(dir: string): Promise<void> {
  const store = await SqlJsStore.open({ dir, log: quiet, snapshotEveryRecords: 1e9 });
  const users = await store.importUsers(
    Array.from({ length: USERS }, (_, i) => ({ name: `user${i}`, nameKey: `user${i}`, passwordHash: HASH, createdAt: Date.now() })),
  );
  await Promise.all(
    Array.from({ length: SESSIONS }, (_, i) =>
      store.createSession({ tokenHash: hex(i), userId: users[i % USERS]!.id, createdAt: Date.now(), expiresAt: Date.now() + 86_400_000 }),
    ),
  );
  const rooms: RoomRecord[] = [];
  for (let r = 0; r < ROOMS; r++) rooms.push(await store.ensureRoom(`room${r}`, `room${r}`, Date.now()));
  // Each user in 11 distinct rooms: 11,000 memberships.
  const perUser = MEMBERS / USERS;
  await Promise.all(
    Array.from({ length: MEMBERS }, (_, i) => {
      const user = Math.floor(i / perUser);
      return store.addMember(rooms[(user + (i % perUser) * 9) % ROOMS]!.id, users[user]!.id);
    }),
  );
  await store.close();
  const { db, lastSeq } = await loadSnapshot(nodeFileSystem, dir);
  try {
    const insert = db.prepare('INSERT INTO messages (id, room_id, user_id, body, sent_at) VALUES (?, ?, ?, ?, ?)');
    const sentAt = Date.now() - MESSAGES;
    db.run('BEGIN');
    for (let i = 0; i < MESSAGES; i++) insert.run([i + 1, rooms[i % ROOMS]!.id, users[i % USERS]!.id, BODY, sentAt + i]);
    db.run('COMMIT');
    insert.free();
    await writeSnapshot(nodeFileSystem, dir, db.export(), lastSeq);
  } finally {
    db.close();
  }
}

/** The real file system, timing each operation by kind. */
function timingFs(times: Record<string, number[]>, onOpen?: (path: string, at: number) => void): StoreFileSystem {
  const timed = async <T>(op: string, run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      (times[op] ??= []).push(performance.now() - t0);
    }
  };
  return {
    ...nodeFileSystem,
    rename: (from, to) => timed('rename', () => nodeFileSystem.rename(from, to)),
    syncDir: (path) => timed('syncDir', () => nodeFileSystem.syncDir(path)),
    async open(path, mode, fileMode) {
      onOpen?.(path, performance.now());
      const file: StoreFile = await nodeFileSystem.open(path, mode, fileMode);
      return {
        write: (data, position) => timed('write', () => file.write(data, position)),
        datasync: () => timed(/journal[^/]*$/.test(path) ? 'datasync (journal)' : 'datasync', () => file.datasync()),
        sync: () => timed('sync', () => file.sync()),
        truncate: (length) => file.truncate(length),
        close: () => file.close(),
      };
    },
  };
}

// 2. Export and write.
let exportMedianMs = 0;
async function exportAndWrite(dir: string): Promise<void> {
  const { db, lastSeq } = await loadSnapshot(nodeFileSystem, dir);
  const exports: number[] = [];
  let image: Uint8Array = new Uint8Array(0);
  for (let r = 0; r <= ROUNDS; r++) {
    const t0 = performance.now();
    image = db.export();
    if (r > 0) exports.push(performance.now() - t0);
  }
  db.close();
  row('database', `${USERS} users, ${SESSIONS} sessions, ${ROOMS} rooms, ${MEMBERS} memberships, ${MESSAGES} messages`);
  row('image size', `${(image.length / 1024 / 1024).toFixed(1)} MiB`);
  exportMedianMs = median(exports);
  row(`db.export() (median of ${ROUNDS}; blocks the event loop)`, ms(exportMedianMs));
  const scratch = join(root, 'scratch');
  await nodeFileSystem.mkdir(scratch, 0o700);
  const totals: number[] = [];
  const perOp: Record<string, number[]> = {};
  for (let r = 0; r <= ROUNDS; r++) {
    const times: Record<string, number[]> = {};
    const t0 = performance.now();
    await writeSnapshot(timingFs(times), scratch, image, lastSeq);
    if (r === 0) continue;
    totals.push(performance.now() - t0);
    for (const [op, xs] of Object.entries(times)) (perOp[op] ??= []).push(xs.reduce((a, b) => a + b, 0));
    if (r === 1) row('writeSnapshot file operations', Object.entries(times).map(([op, xs]) => `${xs.length} ${op}`).join(', '));
  }
  row(`writeSnapshot total (median of ${ROUNDS})`, ms(median(totals)));
  for (const op of ['write', 'datasync', 'sync', 'rename', 'syncDir']) {
    if (perOp[op]) row(`  ${op} (sum per snapshot)`, ms(median(perOp[op])));
  }
}

// 3. Commits at RATE/s across snapshots.
async function commitLatency(dir: string): Promise<void> {
  const snapshots: Record<string, unknown>[] = [];
  const times: Record<string, number[]> = {};
  // A snapshot's window: from its export (just before its temp file is opened) to its log line (the image is durable).
  const tempOpened: number[] = [];
  const store = await SqlJsStore.open({
    dir,
    fs: timingFs(times, (path, at) => path.endsWith('.tmp') && tempOpened.push(at)),
    snapshotEveryRecords: SNAPSHOT_EVERY,
    ...(FRACTION === undefined ? {} : { snapshotJournalFraction: FRACTION }),
    log: (event, fields) => {
      if (event === 'snapshot_written') snapshots.push({ ...fields, at: performance.now() });
      else process.stderr.write(`  store: ${event} ${JSON.stringify(fields)}\n`);
    },
  });
  const users = Array.from({ length: 50 }, (_, i) => store.userByKey(`user${i}`)!.id);
  const roomIds = store.listRooms().map((r) => r.id);
  const latencies: number[] = [];
  const commits: { at: number; latency: number }[] = [];
  const pending: Promise<void>[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const started = performance.now();
  const end = started + SECONDS * 1000;
  let sent = 0;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - started) * RATE) / 1000);
    for (; sent < due; sent++) {
      const t0 = performance.now();
      pending.push(
        store
          .appendMessage({ roomId: roomIds[sent % roomIds.length]!, userId: users[sent % users.length]!, body: BODY, sentAt: Date.now() })
          .then(() => {
            latencies.push(performance.now() - t0);
            commits.push({ at: t0, latency: performance.now() - t0 });
          }),
      );
    }
    await sleep(1);
  }
  await Promise.all(pending);
  const wall = performance.now() - started;
  loop.disable();
  await store.close();
  const s = sorted(latencies);
  row(`commits (${RATE}/s offered, ${SECONDS} s, snapshot every ${SNAPSHOT_EVERY}${FRACTION === undefined ? '' : `, fraction ${FRACTION}`})`, `${s.length} at ${((s.length * 1000) / wall).toFixed(0)}/s`);
  row('snapshots during the run', String(snapshots.length - 1)); // the last one is close()'s
  row('commit latency p50 / p90 / p99 / p99.9 / max', [0.5, 0.9, 0.99, 0.999].map((p) => pct(s, p).toFixed(1)).join(' / ') + ` / ${s.at(-1)!.toFixed(1)} ms`);
  row('commits slower than 50 ms', String(s.filter((x) => x > 50).length));
  // The close's snapshot is not part of the run.
  const windows = snapshots
    .map((f, i) => ({ from: tempOpened[i]! - exportMedianMs, to: f.at as number }))
    .filter((w) => w.from < end);
  const during = sorted(commits.filter((c) => windows.some((w) => c.at >= w.from && c.at <= w.to)).map((c) => c.latency));
  const others = sorted(commits.filter((c) => !windows.some((w) => c.at >= w.from && c.at <= w.to)).map((c) => c.latency));
  const summary = (xs: number[]) => (xs.length === 0 ? 'none' : `${xs.length}: p50 ${pct(xs, 0.5).toFixed(1)} / p90 ${pct(xs, 0.9).toFixed(1)} / max ${xs.at(-1)!.toFixed(1)} ms`);
  row('  issued while a snapshot was taken', summary(during));
  row('  issued at other times', summary(others));
  const syncs = sorted(times['datasync (journal)'] ?? []);
  if (syncs.length > 0) row('journal fdatasync p50 / p99 / max', [0.5, 0.99].map((p) => pct(syncs, p).toFixed(1)).join(' / ') + ` / ${syncs.at(-1)!.toFixed(1)} ms (${syncs.length})`);
  row('snapshot_written (export / write ms)', snapshots.map((f) => `${f.exportMs ?? '?'}/${f.writeMs ?? '?'}`).join(', '));
  row('event loop delay p99 / max', `${(loop.percentile(99) / 1e6).toFixed(1)} / ${(loop.max / 1e6).toFixed(1)} ms`);
}

// 4. Start-up.
async function startup(dir: string): Promise<void> {
  const t0 = performance.now();
  (await SqlJsStore.open({ dir, log: quiet })).close();
  row('open, empty journal (load the image)', ms(performance.now() - t0));
  // REPLAY records in the journal, then the process "dies": every file operation fails, so close writes nothing.
  let dead = false;
  const dying: StoreFileSystem = {
    ...nodeFileSystem,
    async open(path, mode, fileMode) {
      const file = await nodeFileSystem.open(path, mode, fileMode);
      const alive = <T>(run: () => Promise<T>) => (dead ? Promise.reject(new Error('dead')) : run());
      return {
        write: (data, position) => alive(() => file.write(data, position)),
        datasync: () => alive(() => file.datasync()),
        sync: () => alive(() => file.sync()),
        truncate: (length) => alive(() => file.truncate(length)),
        close: () => file.close(),
      };
    },
    rename: (from, to) => (dead ? Promise.reject(new Error('dead')) : nodeFileSystem.rename(from, to)),
  };
  const store = await SqlJsStore.open({ dir, log: quiet, fs: dying, snapshotEveryRecords: 1e9 });
  const userId = store.userByKey('user0')!.id;
  const roomId = store.listRooms()[0]!.id;
  for (let done = 0; done < REPLAY; done += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, REPLAY - done) }, () => store.appendMessage({ roomId, userId, body: BODY, sentAt: 0 })));
  }
  dead = true;
  await store.close();
  const t1 = performance.now();
  const reopened = await SqlJsStore.open({ dir, log: quiet });
  const openMs = performance.now() - t1;
  await reopened.close();
  row(`open with ${REPLAY} journal records to replay`, ms(openMs));
}

process.stdout.write(`Snapshot micro-benchmark, Node ${process.version}\n`);
try {
  const dir = join(root, 'store');
  const t0 = performance.now();
  await build(dir);
  process.stderr.write(`  built in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  await exportAndWrite(dir);
  await commitLatency(dir);
  if (REPLAY > 0) await startup(dir);
} finally {
  rmSync(root, { recursive: true, force: true });
}
const width = Math.max(...rows.map((r) => r[0].length));
for (const [label, value] of rows) process.stdout.write(`${label.padEnd(width)}  ${value}\n`);
