// Micro-benchmark for the send handler's membership check (memberRoom in
// src/server/handlers/rooms.ts), run on every chat line: the store's
// roomsOfUser (every room the user is in, then a search) against isMember
// (one look-up of the members table's primary key), and memberRoom as a
// whole. A user in 5 rooms (bench/micro/store.ts's shape) and in 11 (the
// load benchmark's: 1,000 users, 11,000 memberships).
//
// Each figure is the median of ROUNDS rounds of N calls, in process CPU time
// (process.cpuUsage), as in bench/micro/store.ts.
// Usage: node --import tsx bench/micro/membership.ts [N=20000]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memberRoom } from '../../src/server/handlers/rooms.ts';
import type { ServerContext } from '../../src/server/context.ts';
import { type RoomRecord, SqlJsStore } from '../../src/server/store/index.ts';

const n = Number(process.argv[2] ?? 20_000);
const ROUNDS = 5;
const root = mkdtempSync(join(tmpdir(), 'securechat-micro-membership-'));
const rows: [string, string][] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function perCall(body: (i: number) => void): number {
  const rounds: number[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) body(i);
    const used = process.cpuUsage(t0);
    if (r > 0) rounds.push((used.user + used.system) / n);
  }
  return median(rounds);
}

function row(label: string, us: number): void {
  rows.push([label, `${us.toFixed(2)} µs/call`]);
  process.stderr.write(`  ${label}: ${us.toFixed(2)} µs/call\n`);
}

try {
  const store = await SqlJsStore.open({ dir: join(root, 'store'), log: () => {} });
  const users = await store.importUsers(
    Array.from({ length: 1000 }, (_, i) => ({ name: `u${i}`, nameKey: `u${i}`, passwordHash: 'unused', createdAt: 1 })),
  );
  const rooms: RoomRecord[] = [];
  for (let r = 0; r < 100; r++) rooms.push(await store.ensureRoom(`room${r}`, `room${r}`, 1));
  // Everyone in 11 rooms (11,000 memberships), except user 0, in 5.
  const joins: Promise<void>[] = [];
  for (const [u, user] of users.entries()) {
    const count = u === 0 ? 5 : 11;
    for (let k = 0; k < count; k++) joins.push(store.addMember(rooms[(u + k * 9) % 100]!.id, user.id));
  }
  await Promise.all(joins);
  const context = { store } as unknown as ServerContext;

  for (const [label, user] of [['member of 5', users[0]!], ['member of 11', users[1]!]] as const) {
    const mine = store.roomsOfUser(user.id);
    const room = (i: number) => mine[i % mine.length]!;
    row(`roomsOfUser(user).some(...) (${label})`, perCall((i) => store.roomsOfUser(user.id).some((r) => r.id === room(i).id)));
    row(`isMember(room, user) (${label})`, perCall((i) => store.isMember(room(i).id, user.id)));
    row(`memberRoom(name, user) (${label})`, perCall((i) => memberRoom(room(i).name, user.id, context)));
  }
  await store.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
const width = Math.max(...rows.map((r) => r[0].length));
process.stdout.write(`Membership check micro-benchmark: N=${n.toLocaleString('en-US')}, median of ${ROUNDS} in CPU time, Node ${process.version}\n`);
for (const [label, value] of rows) process.stdout.write(`${label.padEnd(width)}  ${value}\n`);
