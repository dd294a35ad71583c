// Micro-benchmark behind "What limits the figures" in bench/README.md, item 3:
// the store's CPU per chat line.
//
//  1. sql.js alone: one autocommit INSERT into the messages table, and one
//     SELECT of a row by id, under each SQLite journal_mode (DELETE is
//     SQLite's default; it keeps the rollback journal in Emscripten's
//     in-memory file system) and with locking_mode=EXCLUSIVE; and the modes
//     the store's databases actually get (newDatabase in
//     src/server/store/sqljs.ts).
//  2. SqlJsStore, per line: the store calls the send handler makes (roomByKey,
//     roomsOfUser) and the synchronous part of appendMessage (checks, INSERT,
//     journal record); its durable half is part 3.
//  3. Durable messages/s: WRITERS concurrent writers through SqlJsStore on the
//     real disk (group commit), with the process CPU per message.
//
// Each figure in 1 and 2 is the median of ROUNDS rounds, in process CPU time
// (process.cpuUsage) rather than wall time: the machine is shared, and CPU
// time does not count the time other processes hold the core.
// Usage: node --import tsx bench/micro/store.ts [N=5000] [SECONDS=5] [WRITERS=256]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'sql.js';
import { nodeFileSystem, type RoomRecord, SqlJsStore, type StoreFile, type StoreFileSystem } from '../../src/server/store/index.ts';
import { migrate } from '../../src/server/store/migrations.ts';
import { loadSqlJs, newDatabase } from '../../src/server/store/sqljs.ts';

const n = Number(process.argv[2] ?? 5000);
const seconds = Number(process.argv[3] ?? 5);
const writers = Number(process.argv[4] ?? 256);
const ROUNDS = 5;
const BODY = 'a line of chat of a typical length, some sixty bytes or so';
const quiet = () => {};
const root = mkdtempSync(join(tmpdir(), 'securechat-micro-store-'));

const rows: [string, string, string][] = [];
function row(label: string, value: number, unit: string, digits = 1): void {
  rows.push([label, value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }), unit]);
  process.stderr.write(`  ${label}: ${value.toFixed(digits)} ${unit}\n`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU µs (user + system) since `since`. */
function cpuSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/** Median over ROUNDS of the CPU µs per call of `body` run `count` times (after one warm-up round). */
function perCall(count: number, body: (i: number) => void): number {
  const rounds: number[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < count; i++) body(i);
    if (r > 0) rounds.push(cpuSince(t0) / count);
  }
  return median(rounds);
}

function pragma(db: Database, name: string): string {
  return String(db.exec(`PRAGMA ${name}`)[0]?.values[0]?.[0]);
}

// 1. sql.js alone.
async function rawStatements(): Promise<void> {
  const SQL = await loadSqlJs();
  const configs: [string, string][] = [
    ['journal_mode=DELETE (SQLite default)', 'PRAGMA journal_mode=DELETE'],
    ['journal_mode=MEMORY', 'PRAGMA journal_mode=MEMORY'],
    ['journal_mode=OFF', 'PRAGMA journal_mode=OFF'],
    ['journal_mode=MEMORY, locking_mode=EXCLUSIVE', 'PRAGMA journal_mode=MEMORY; PRAGMA locking_mode=EXCLUSIVE'],
  ];
  for (const [label, pragmas] of configs) {
    const db = new SQL.Database();
    db.exec(pragmas);
    migrate(db);
    const insert = db.prepare('INSERT INTO messages (id, room_id, user_id, body, sent_at) VALUES (?, ?, ?, ?, ?)');
    let id = 0;
    const insertUs = perCall(n, () => {
      id++;
      insert.run([id, id % 10, 1, BODY, id]);
    });
    insert.free();
    const select = db.prepare('SELECT id, room_id, user_id, body, sent_at FROM messages WHERE id = ?');
    const selectUs = perCall(n, (i) => {
      select.bind([1 + i]);
      select.step();
      select.get();
      select.reset();
    });
    select.free();
    db.close();
    row(`sql.js INSERT, ${label}`, insertUs, 'µs/insert');
    row(`sql.js SELECT by id, ${label}`, selectUs, 'µs/select');
  }
  const db = await newDatabase();
  rows.push(["the store's databases (newDatabase)", '', `journal_mode=${pragma(db, 'journal_mode')}, locking_mode=${pragma(db, 'locking_mode')}`]);
  db.close();
}

// 2. SqlJsStore per line.
async function storePerLine(): Promise<void> {
  const store = await SqlJsStore.open({ dir: join(root, 'per-line'), log: quiet });
  const [user] = await store.importUsers([{ name: 'writer', nameKey: 'writer', passwordHash: 'unused', createdAt: 1 }]);
  const userId = user!.id;
  // 100 rooms, the writer in 5 of them (the send handler checks membership through roomsOfUser).
  const rooms: RoomRecord[] = [];
  for (let r = 0; r < 100; r++) rooms.push(await store.ensureRoom(`room${r}`, `room${r}`, 1));
  for (let r = 0; r < 5; r++) await store.addMember(rooms[r * 20]!.id, userId);
  const mine = [0, 20, 40, 60, 80].map((r) => rooms[r]!);

  row('store.roomByKey', perCall(n, (i) => store.roomByKey(mine[i % 5]!.nameKey)), 'µs/call', 2);
  row('store.roomsOfUser (member of 5)', perCall(n, () => store.roomsOfUser(userId)), 'µs/call', 2);
  row('store.roomById', perCall(n, (i) => store.roomById(mine[i % 5]!.id)), 'µs/call', 2);
  row('store.userById', perCall(n, () => store.userById(userId)), 'µs/call', 2);

  // The synchronous half of appendMessage; the durable half is awaited outside the timing.
  const appendRounds: number[] = [];
  const lineRounds: number[] = [];
  for (let r = 0; r <= ROUNDS * 2; r++) {
    const line = r % 2 === 1;
    const pending: Promise<unknown>[] = [];
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      let roomId = mine[i % 5]!.id;
      if (line) {
        // What the send handler asks the store per line (memberRoom, then appendMessage).
        const room = store.roomByKey(mine[i % 5]!.nameKey)!;
        if (!store.roomsOfUser(userId).some((joined) => joined.id === room.id)) throw new Error('not a member');
        roomId = room.id;
      }
      pending.push(store.appendMessage({ roomId, userId, body: BODY, sentAt: i }));
    }
    const us = cpuSince(t0) / n;
    await Promise.all(pending);
    if (r < 2) continue; // warm-up
    (line ? lineRounds : appendRounds).push(us);
  }
  row('store.appendMessage, synchronous part', median(appendRounds), 'µs/line');
  row('send handler store calls per line (sync)', median(lineRounds), 'µs/line');
  await store.close();
}

/** The real file system, counting fdatasync/fsync calls. */
function countingFs(counts: { syncs: number }): StoreFileSystem {
  return {
    ...nodeFileSystem,
    async open(path, mode, fileMode) {
      const file: StoreFile = await nodeFileSystem.open(path, mode, fileMode);
      return {
        write: (data, position) => file.write(data, position),
        datasync: () => (counts.syncs++, file.datasync()),
        sync: () => (counts.syncs++, file.sync()),
        truncate: (length) => file.truncate(length),
        close: () => file.close(),
      };
    },
  };
}

// 3. Durable messages/s.
async function durable(): Promise<void> {
  const counts = { syncs: 0 };
  const store = await SqlJsStore.open({ dir: join(root, 'durable'), log: quiet, fs: countingFs(counts) });
  const [user] = await store.importUsers([{ name: 'writer', nameKey: 'writer', passwordHash: 'unused', createdAt: 1 }]);
  const roomIds: number[] = [];
  for (let r = 0; r < 10; r++) roomIds.push((await store.ensureRoom(`room${r}`, `room${r}`, 1)).id);
  const syncsBefore = counts.syncs;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let written = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (performance.now() < deadline) {
        await store.appendMessage({ roomId: roomIds[w % roomIds.length]!, userId: user!.id, body: BODY, sentAt: Date.now() });
        written++;
      }
    }),
  );
  const ms = performance.now() - started;
  const cpu = cpuSince(cpuBefore);
  const syncs = counts.syncs - syncsBefore;
  await store.close();
  row(`durable messages/s (${writers} writers, ${seconds} s)`, (written * 1000) / ms, 'messages/s', 0);
  row('  process CPU per durable message', cpu / written, 'µs/message');
  row('  records per fsync', written / Math.max(1, syncs), 'records', 0);
}

process.stdout.write(`SqlJsStore micro-benchmark: N=${n.toLocaleString('en-US')}, median of ${ROUNDS} in CPU time, Node ${process.version}\n`);
try {
  await rawStatements();
  await storePerLine();
  await durable();
} finally {
  rmSync(root, { recursive: true, force: true });
}
const width = Math.max(...rows.map((r) => r[0].length));
const valueWidth = Math.max(...rows.map((r) => r[1].length));
for (const [label, value, unit] of rows) process.stdout.write(`${label.padEnd(width)}  ${value.padStart(valueWidth)} ${unit}\n`);
