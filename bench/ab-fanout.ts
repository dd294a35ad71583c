// Before/after measurement of a server change (bench/README.md, "Profile"):
// run it in two checkouts, alternately, on the same machine. It brings
// 1,000 users online (server CPU seconds for that), then offers one-room
// fan-out at 10,000 and 20,000 deliveries/s for 8 s each (delivered rate,
// server CPU µs per delivery, receipt latency). The tree measured is the
// one this file is in.
// Usage: node --import tsx bench/ab-fanout.ts [LABEL]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quiesce, runTrafficOnce, settle } from './lib/scenarios.ts';
import { Workers } from './lib/workers.ts';
import { provision } from './ours/provision.ts';
import { startServerProcess } from './ours/suite.ts';

const label = process.argv[2] ?? new URL('..', import.meta.url).pathname;
const U = 1000;
const repo = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const root = mkdtempSync(join(tmpdir(), 'securechat-ab-'));
const home = join(root, 'home');
const accounts = await provision({ root, home, accounts: U, sessionOwners: Array.from({ length: U }, (_, c) => c), repo });
const server = await startServerProcess(join(home, 'server'));
const cpu = async () => {
  const s = await server.peer.call<{ cpuUserMs: number; cpuSystemMs: number }>('stats');
  return s.cpuUserMs + s.cpuSystemMs;
};
const workers = new Workers(new URL('./ours/worker.ts', import.meta.url).pathname, 2, 'ab');
try {
  await workers.all('init', { port: server.port, fingerprint: server.fingerprint });
  let c0 = await cpu();
  const t0 = performance.now();
  await workers.byClient('open', accounts.tokens.map((token, index) => ({ index, token })), (x) => x.index, (share) => ({ clients: share, concurrency: 100, retryForMs: 60_000 }));
  await settle(workers);
  await quiesce(cpu);
  const rampCpu = (await cpu()) - c0;
  const rampWall = performance.now() - t0;
  const out: string[] = [];
  for (const offered of [10_000, 20_000]) {
    c0 = await cpu();
    const r = await runTrafficOnce(workers, Array.from({ length: U }, (_, index) => ({ index, room: 'general' })), {
      ratePerSender: offered / (U - 1) / U,
      seconds: 8,
      warmupSeconds: 1,
      deliveriesPerMessage: U - 1,
    });
    const fanCpu = (await cpu()) - c0;
    out.push(
      `offered ${offered}: delivered ${Math.round(r.deliveredPerSecond)}/s, server CPU ${((fanCpu * 1000) / r.deliveredTotal).toFixed(1)} µs/delivery, p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms`,
    );
    await settle(workers);
    await quiesce(cpu);
  }
  process.stdout.write(`${label}: 1000 users online: server CPU ${(rampCpu / 1000).toFixed(1)} s (wall ${(rampWall / 1000).toFixed(1)} s) | ${out.join(' | ')}\n`);
} finally {
  await workers.stop();
  await server.peer.call('stop').catch(() => {});
  await server.peer.stop();
  rmSync(root, { recursive: true, force: true });
}
