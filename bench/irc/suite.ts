// The peer half of the benchmark: InspIRCd under the same connection,
// fan-out and latency loads as securechat, from the same number of
// load-generator processes, over TLS. Fills in the `peer` column of the rows
// securechat's suite made.

import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { progress, sleep } from '../lib/progress.ts';
import { Recorder } from '../lib/metrics.ts';
import type { Row } from '../lib/report.ts';
import { fanoutSteps, quiesce, roomMemberships, roomsWithinWorkers, settle } from '../lib/scenarios.ts';
import { latencyRuns, recordLatency } from '../ours/suite.ts';
import { sumErrors, Workers } from '../lib/workers.ts';
import type { Sizes } from '../sizes.ts';
import { processCpuMs, startInspircd } from './inspircd.ts';

const SECTION = 'inspircd';
const here = (file: string) => new URL(file, import.meta.url).pathname;
const MiB = 1024 * 1024;

interface OpenResult {
  done: number;
  failed: number;
  errors: Record<string, number>;
  ms: number;
}

export async function runPeer(ctx: { root: string; sizes: Sizes; rows: Row[]; details: Record<string, unknown> }): Promise<void> {
  const { sizes, rows } = ctx;
  const U = sizes.users;
  const dir = join(ctx.root, 'inspircd');
  mkdirSync(dir, { recursive: true });
  const ircd = await startInspircd(dir, here('./inspircd.conf.template'));
  progress(SECTION, `${ircd.version} up on port ${ircd.port} (pid ${ircd.pid}), TLS via ssl_gnutls`);
  ctx.details.peer = { version: ircd.version };
  const record = new Recorder(rows, sizes);
  const peerValue = (id: string, value: number) => record.set(id, 'peer', value);
  const workers = new Workers(here('./worker.ts'), sizes.workers, 'irc');
  await workers.all('init', { port: ircd.port, fingerprint256: ircd.fingerprint256 });
  const open = async (from: number, to: number, concurrency: number): Promise<OpenResult> => {
    const items = Array.from({ length: to - from }, (_, i) => ({ index: from + i }));
    const results = await workers.byClient<{ index: number }, OpenResult>('open', items, (item) => item.index, (share) => ({ clients: share, concurrency }));
    return {
      done: results.reduce((sum, r) => sum + r.done, 0),
      failed: results.reduce((sum, r) => sum + r.failed, 0),
      errors: sumErrors(results),
      ms: Math.max(...results.map((r) => r.ms)),
    };
  };
  const openCount = async () => (await workers.all<{ open: number }>('counts')).reduce((sum, c) => sum + c.open, 0);
  const settled = async () => {
    await settle(workers);
    await quiesce(async () => processCpuMs(ircd.pid));
  };
  const cpuStart = processCpuMs(ircd.pid);

  try {
    // ------------------------------------------------------------- connections
    progress(SECTION, `connecting ${U} clients (TLS + NICK/USER, done at 001)`);
    const first = await open(0, U, 100);
    const at1k = ircd.rss();
    progress(SECTION, `${first.done - first.failed} registered in ${(first.ms / 1000).toFixed(1)} s; RSS ${(at1k / MiB).toFixed(1)} MiB`);
    const rest = await open(U, sizes.connections, 200);
    await sleep(500);
    const atPeak = ircd.rss();
    const held = await openCount();
    const perConnection = (atPeak - at1k) / Math.max(1, held - U);
    progress(SECTION, `${held} clients held; RSS ${(atPeak / MiB).toFixed(1)} MiB; ${(perConnection / 1024).toFixed(1)} KiB per added connection`);
    ctx.details.peerConnections = { first, rest, at1k, atPeak, held };
    peerValue('conn.held', held);
    peerValue('conn.rss.1k', at1k / MiB);
    peerValue('conn.rss.peak', atPeak / MiB);
    peerValue('conn.per', perConnection / 1024);
    const extra = Array.from({ length: sizes.connections - U }, (_, i) => U + i);
    await workers.byClient<number, unknown>('close', extra, (index) => index, (share) => ({ indices: share }));
    await sleep(1000);

    // ------------------------------------------------------------- fan-out: one room
    progress(SECTION, `fan-out: ${U} clients JOIN #general`);
    const everyone = Array.from({ length: U }, (_, index) => ({ index, room: 'general' }));
    await workers.byClient<{ index: number; room: string }, OpenResult>('join', everyone, (m) => m.index, (share) => ({ entries: share, concurrency: 20 }));
    await settled();
    const oneRoom = await fanoutSteps(`${SECTION} fan-out 1 room`, workers, {
      steps: sizes.fanoutSteps,
      seconds: sizes.stepSeconds,
      warmupSeconds: 1,
      deliveriesPerMessage: U - 1,
      plan: (offered) => ({ senders: everyone, ratePerSender: offered / (U - 1) / U }),
      settle: settled,
      serverCpuMs: async () => processCpuMs(ircd.pid),
    });
    ctx.details.peerFanoutOneRoom = oneRoom;
    peerValue('fanout.one', oneRoom.best);
    if (oneRoom.serverCpuUsPerDelivery !== undefined) peerValue('fanout.one.cpu', oneRoom.serverCpuUsPerDelivery);

    // ------------------------------------------------------------- fan-out: many rooms
    const memberships = roomMemberships(U, sizes.rooms, sizes.roomSize, 'fan');
    progress(SECTION, `joining ${memberships.length} memberships: ${sizes.rooms} channels of ${sizes.roomSize}`);
    await workers.byClient<{ index: number; room: string }, OpenResult>('join', memberships, (m) => m.index, (share) => ({ entries: share, concurrency: 50 }));
    await settled();
    const manyRooms = await fanoutSteps(`${SECTION} fan-out ${sizes.rooms} rooms`, workers, {
      steps: sizes.fanoutSteps,
      seconds: sizes.stepSeconds,
      warmupSeconds: 1,
      deliveriesPerMessage: sizes.roomSize - 1,
      plan: (offered) => ({ senders: memberships, ratePerSender: offered / (sizes.roomSize - 1) / memberships.length }),
      settle: settled,
      serverCpuMs: async () => processCpuMs(ircd.pid),
    });
    ctx.details.peerFanoutManyRooms = manyRooms;
    peerValue('fanout.rooms', manyRooms.best);
    if (manyRooms.serverCpuUsPerDelivery !== undefined) peerValue('fanout.rooms.cpu', manyRooms.serverCpuUsPerDelivery);

    // ------------------------------------------------------------- latency
    const latencyRooms = roomsWithinWorkers(U, workers.size, sizes.latencyRoomSize, 'lat');
    progress(SECTION, `joining ${latencyRooms.length} clients to channels of ${sizes.latencyRoomSize}`);
    await workers.byClient<{ index: number; room: string }, OpenResult>('join', latencyRooms, (m) => m.index, (share) => ({ entries: share, concurrency: 50 }));
    await settled();
    const latency = await latencyRuns(SECTION, workers, latencyRooms, sizes, settled);
    ctx.details.peerLatency = latency;
    recordLatency(record, 'peer', latency);
    ctx.details.peerCpuSeconds = (processCpuMs(ircd.pid) - cpuStart) / 1000;
  } finally {
    await workers.stop();
    await ircd.stop();
  }
}
