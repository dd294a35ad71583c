// The securechat half of the benchmark: provisioning, one server process,
// load-generator processes, and the phases in order (connections, fan-out,
// latency, reconnect storm, logins, history, soak).

import { join } from 'node:path';
import { Histogram } from '../lib/histogram.ts';
import { progress, sleep, ticker } from '../lib/progress.ts';
import { Recorder } from '../lib/metrics.ts';
import type { Row } from '../lib/report.ts';
import { forkTs, type Peer } from '../lib/rpc.ts';
import { fanoutSteps, roomMemberships, roomsWithinWorkers, runTrafficOnce, settle } from '../lib/scenarios.ts';
import { sumErrors, Workers } from '../lib/workers.ts';
import type { Sizes } from '../sizes.ts';
import { BENCH_PASSWORD, benchUsername, provision } from './provision.ts';

const SECTION = 'securechat';
const here = (file: string) => new URL(file, import.meta.url).pathname;

export interface ServerStats {
  rss: number;
  heapUsed: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  connections: number;
  online: number;
  events: Record<string, number>;
}

interface OpenResult {
  done: number;
  failed: number;
  errors: Record<string, number>;
  ms: number;
}

export interface OursContext {
  root: string;
  repo: string;
  sizes: Sizes;
  rows: Row[];
  details: Record<string, unknown>;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  serverExecArgv?: string[];
  /** Only what the profile needs: connections for the users, then one-room fan-out. */
  profileOnly?: { offered: number; seconds: number };
}

const MiB = 1024 * 1024;

/**
 * The server allows a user 5 lines a second (burst 20) and the harness keeps
 * its defaults: a plan that would need more than 4.5 per user is not run.
 */
export const MAX_LINES_PER_USER = 4.5;

function withinRateLimit<T extends { ratePerSender: number }>(plan: T, sendersPerUser: number): T | undefined {
  return plan.ratePerSender * sendersPerUser > MAX_LINES_PER_USER ? undefined : plan;
}

export async function startServerProcess(dataDir: string, execArgv: string[] = []): Promise<{ peer: Peer; port: number; fingerprint: string; startMs: number; wallMs: number }> {
  const t0 = performance.now();
  const peer = forkTs(here('./server-process.ts'), { name: 'securechat server', args: [dataDir], execArgv: ['--expose-gc', ...execArgv] });
  const info = await peer.call<{ port: number; fingerprint: string; startMs: number }>('start');
  return { peer, ...info, wallMs: performance.now() - t0 };
}

export async function runOurs(ctx: OursContext): Promise<void> {
  const { sizes } = ctx;
  const record = new Recorder(ctx.rows, sizes);
  const home = join(ctx.root, 'securechat-home');
  const U = sizes.users;

  // Sessions: connection c belongs to user c mod U; churn users come after the main ones.
  const sessionOwners = Array.from({ length: sizes.connections }, (_, c) => c % U);
  const churnFirst = U;
  for (let i = 0; i < sizes.churnUsers; i++) sessionOwners.push(churnFirst + i);
  progress(SECTION, `provisioning ${U + sizes.churnUsers} accounts (one scrypt hash, import-users) and ${sessionOwners.length} sessions`);
  const accounts = await provision({ root: ctx.root, home, accounts: U + sizes.churnUsers, sessionOwners, repo: ctx.repo });
  progress(
    SECTION,
    `provisioned: hash ${accounts.hashMs.toFixed(0)} ms, import-users ${(accounts.importMs / 1000).toFixed(1)} s, sessions ${(accounts.sessionsMs / 1000).toFixed(1)} s`,
  );
  ctx.details.provisioning = { accounts: U + sizes.churnUsers, sessions: sessionOwners.length, hashMs: accounts.hashMs, importMs: accounts.importMs, sessionsMs: accounts.sessionsMs };
  const tokenOf = (c: number) => accounts.tokens[c]!;
  const churnToken = (i: number) => accounts.tokens[sizes.connections + i]!;

  const server = await startServerProcess(join(home, 'server'), ctx.serverExecArgv);
  progress(SECTION, `server up on port ${server.port} in ${server.wallMs.toFixed(0)} ms (process start to listening)`);
  const stats = () => server.peer.call<ServerStats>('stats');
  const serverCpuMs = async () => {
    const s = await stats();
    return s.cpuUserMs + s.cpuSystemMs;
  };
  const workers = new Workers(here('./worker.ts'), sizes.workers, 'securechat');
  await workers.all('init', { port: server.port, fingerprint: server.fingerprint });

  const open = async (from: number, to: number, concurrency: number, label: string): Promise<OpenResult> => {
    const items = Array.from({ length: to - from }, (_, i) => ({ index: from + i, token: tokenOf(from + i) }));
    const stop = ticker(SECTION, () => `${label}: server holds ${lastConnections} connections`);
    let lastConnections = 0;
    const poll = setInterval(() => void stats().then((s) => (lastConnections = s.connections), () => {}), 1000);
    try {
      const results = await workers.byClient<{ index: number; token: string }, OpenResult>('open', items, (item) => item.index, (share) => ({
        clients: share,
        concurrency,
      }));
      return {
        done: results.reduce((sum, r) => sum + r.done, 0),
        failed: results.reduce((sum, r) => sum + r.failed, 0),
        errors: sumErrors(results),
        ms: Math.max(...results.map((r) => r.ms)),
      };
    } finally {
      clearInterval(poll);
      stop();
    }
  };
  const closeRange = async (from: number, to: number) => {
    const indices = Array.from({ length: to - from }, (_, i) => from + i);
    await workers.byClient<number, unknown>('close', indices, (index) => index, (share) => ({ indices: share }));
  };
  const waitForConnections = async (target: number, timeoutMs = 120_000) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const s = await stats();
      if (s.connections === target || performance.now() > deadline) return s;
      await sleep(200);
    }
  };
  const settled = async () => {
    await settle(workers);
    await sleep(200);
  };

  try {
    // ------------------------------------------------------------- connections
    progress(SECTION, `connecting ${U} users (handshake + resume each; every sign-in is announced to all who are online)`);
    const first = await open(0, U, 100, `${U} users`);
    await server.peer.call('gc');
    const at1k = await stats();
    progress(SECTION, `${first.done - first.failed} users online in ${(first.ms / 1000).toFixed(1)} s; server RSS ${(at1k.rss / MiB).toFixed(0)} MiB`);
    if (ctx.profileOnly) {
      await profileFanout(ctx, workers, U, settled, serverCpuMs);
      return;
    }
    progress(SECTION, `adding connections up to ${sizes.connections} (${sizes.connections / U} per user; extra sessions of users already online)`);
    const rest = await open(U, sizes.connections, 200, `${sizes.connections} connections`);
    await sleep(500);
    await server.peer.call('gc');
    const atPeak = await stats();
    const held = atPeak.connections;
    const perConnection = (atPeak.rss - at1k.rss) / Math.max(1, held - at1k.connections);
    progress(SECTION, `${held} connections held; RSS ${(atPeak.rss / MiB).toFixed(0)} MiB; ${(perConnection / 1024).toFixed(1)} KiB per added connection`);
    ctx.details.connections = { first, rest, at1k, atPeak };
    record.set('conn.held', 'ours', held);
    record.set('conn.first.seconds', 'ours', first.ms / 1000, 'each sign-in announced to all online');
    record.set('conn.rss.1k', 'ours', at1k.rss / MiB);
    record.set('conn.rss.peak', 'ours', atPeak.rss / MiB);
    record.set('conn.per', 'ours', perConnection / 1024);
    await closeRange(U, sizes.connections);
    await waitForConnections(U);

    // ------------------------------------------------------------- fan-out: one room
    progress(SECTION, `fan-out: ${U} clients in one room (general), stepped offered load`);
    const oneRoom = await fanoutSteps(`${SECTION} fan-out 1 room`, workers, {
      steps: sizes.fanoutSteps,
      seconds: sizes.stepSeconds,
      warmupSeconds: 1,
      deliveriesPerMessage: U - 1,
      plan: (offered) => withinRateLimit({ senders: Array.from({ length: U }, (_, index) => ({ index, room: 'general' })), ratePerSender: offered / (U - 1) / U }, 1),
      settle: settled,
      serverCpuMs,
    });
    ctx.details.fanoutOneRoom = oneRoom;
    record.set('fanout.one', 'ours', oneRoom.best);
    if (oneRoom.serverCpuUsPerDelivery !== undefined) record.set('fanout.one.cpu', 'ours', oneRoom.serverCpuUsPerDelivery);

    // ------------------------------------------------------------- fan-out: many rooms
    const memberships = roomMemberships(U, sizes.rooms, sizes.roomSize, 'fan');
    progress(SECTION, `joining ${memberships.length} memberships: ${sizes.rooms} rooms of ${sizes.roomSize}`);
    const joined = await workers.byClient<{ index: number; room: string }, OpenResult>('join', memberships, (m) => m.index, (share) => ({ entries: share, concurrency: 50 }));
    const joinErrors = sumErrors(joined);
    if (Object.keys(joinErrors).length > 0) progress(SECTION, `join errors: ${JSON.stringify(joinErrors)}`);
    await settled();
    const perUser = memberships.length / U;
    const manyRooms = await fanoutSteps(`${SECTION} fan-out ${sizes.rooms} rooms`, workers, {
      steps: sizes.fanoutSteps,
      seconds: sizes.stepSeconds,
      warmupSeconds: 1,
      deliveriesPerMessage: sizes.roomSize - 1,
      // Each user speaks in each of its rooms in turn; its total stays under the 5 lines/s a user may send.
      plan: (offered) => withinRateLimit({ senders: memberships, ratePerSender: offered / (sizes.roomSize - 1) / memberships.length }, perUser),
      settle: settled,
      serverCpuMs,
    });
    ctx.details.fanoutManyRooms = { ...manyRooms, perUserRoomCount: perUser };
    record.set('fanout.rooms', 'ours', manyRooms.best);
    if (manyRooms.serverCpuUsPerDelivery !== undefined) record.set('fanout.rooms.cpu', 'ours', manyRooms.serverCpuUsPerDelivery);

    // ------------------------------------------------------------- latency
    const latencyRooms = roomsWithinWorkers(U, workers.size, sizes.latencyRoomSize, 'lat');
    progress(SECTION, `latency: ${U} clients in rooms of ${sizes.latencyRoomSize}, 1 message/s each, ${sizes.latencySeconds} s`);
    await workers.byClient<{ index: number; room: string }, OpenResult>('join', latencyRooms, (m) => m.index, (share) => ({ entries: share, concurrency: 50 }));
    await settled();
    const latency = await runTrafficOnce(workers, latencyRooms, {
      ratePerSender: 1,
      seconds: sizes.latencySeconds,
      warmupSeconds: 2,
      deliveriesPerMessage: sizes.latencyRoomSize - 1,
    });
    ctx.details.latency = latency;
    progress(SECTION, `latency p50 ${latency.latency.p50.toFixed(2)} ms, p99 ${latency.latency.p99.toFixed(2)} ms, p99.9 ${latency.latency.p999.toFixed(2)} ms over ${latency.latency.count} deliveries`);
    record.set('latency.p50', 'ours', latency.latency.p50);
    record.set('latency.p99', 'ours', latency.latency.p99);
    record.set('latency.p999', 'ours', latency.latency.p999);
    record.set('latency.ack.p99', 'ours', latency.ackLatency.p99);
    await settled();

    // ------------------------------------------------------------- reconnect storm
    progress(SECTION, `reconnect storm: ${sizes.storm} clients (${sizes.storm / U} per user) drop at once, then all resume with their tokens at once`);
    await open(U, sizes.storm, 200, `storm set-up`);
    await waitForConnections(sizes.storm);
    await workers.all('close', {});
    await waitForConnections(0);
    await settled();
    const storm = await open(0, sizes.storm, sizes.storm, `storm`);
    const stormSeconds = storm.ms / 1000;
    progress(SECTION, `${storm.done - storm.failed}/${sizes.storm} back in ${stormSeconds.toFixed(1)} s${storm.failed > 0 ? `; failures ${JSON.stringify(storm.errors)}` : ''}`);
    ctx.details.storm = storm;
    record.set('storm.seconds', 'ours', stormSeconds, `${storm.failed} failed`);
    record.set('storm.rate', 'ours', (storm.done - storm.failed) / stormSeconds);
    await closeRange(U, sizes.storm);
    await waitForConnections(U);
    await settled();

    // ------------------------------------------------------------- password logins
    progress(SECTION, `password logins for ${sizes.loginSeconds} s (scrypt N=2^17 per login, by design)`);
    const loginUsers = Array.from({ length: U }, (_, u) => ({ index: sizes.connections + sizes.churnUsers + u, username: benchUsername(u) }));
    const logins = await workers.byClient<{ index: number; username: string }, { ok: number; errors: Record<string, number>; ms: number; latency: ReturnType<Histogram['toJSON']> }>(
      'logins',
      loginUsers,
      (entry) => entry.index,
      (share) => ({ users: share, password: BENCH_PASSWORD, concurrency: 4, durationMs: sizes.loginSeconds * 1000 }),
    );
    const loginOk = logins.reduce((sum, r) => sum + r.ok, 0);
    const loginMs = Math.max(...logins.map((r) => r.ms));
    const loginLatency = new Histogram();
    logins.forEach((r) => loginLatency.merge(Histogram.fromJSON(r.latency)));
    progress(SECTION, `${loginOk} logins in ${(loginMs / 1000).toFixed(1)} s, p50 ${loginLatency.percentile(0.5).toFixed(0)} ms`);
    ctx.details.logins = { ok: loginOk, ms: loginMs, errors: sumErrors(logins), p50: loginLatency.percentile(0.5), p99: loginLatency.percentile(0.99) };
    record.set('logins.rate', 'ours', (loginOk * 1000) / loginMs);
    await settled();

    // ------------------------------------------------------------- history over the network
    const historyEntries = Array.from({ length: sizes.historySamples }, (_, i) => ({ index: i % U, room: 'general' }));
    const history = await workers.byClient<{ index: number; room: string }, { latency: ReturnType<Histogram['toJSON']>; errors: Record<string, number> }>(
      'history',
      historyEntries,
      (entry) => entry.index,
      (share) => ({ entries: share, limit: 50 }),
    );
    const historyLatency = new Histogram();
    history.forEach((r) => historyLatency.merge(Histogram.fromJSON(r.latency)));
    ctx.details.historyOverNetwork = { p50: historyLatency.percentile(0.5), p99: historyLatency.percentile(0.99), count: historyLatency.count, errors: sumErrors(history) };
    record.set('history.net.p99', 'ours', historyLatency.percentile(0.99), `${(await stats()).online} online`);

    // ------------------------------------------------------------- soak
    await runSoak(ctx, workers, stats, churnToken, churnFirst, settled, () => server.peer.call('gc'));

    const final = await stats();
    ctx.details.serverEvents = final.events;
    ctx.details.serverCpuSeconds = (final.cpuUserMs + final.cpuSystemMs) / 1000;
  } finally {
    await workers.stop();
    await server.peer.call('stop').catch(() => {});
    await server.peer.stop();
  }
}

async function runSoak(
  ctx: OursContext,
  workers: Workers,
  stats: () => Promise<ServerStats>,
  churnToken: (i: number) => string,
  churnFirst: number,
  settled: () => Promise<void>,
  /** Collects garbage in the server before an RSS reading (it runs with --expose-gc). */
  gc: () => Promise<unknown>,
): Promise<void> {
  const { sizes } = ctx;
  const record = new Recorder(ctx.rows, sizes);
  const U = sizes.users;
  progress(SECTION, `soak for ${sizes.soakSeconds} s: ${U} users chatting (0.5 msg/s each, rooms of ${sizes.latencyRoomSize}) while ${sizes.churnUsers} others join, chat and leave`);
  await gc();
  const startStats = await stats();
  const samples: number[] = [startStats.rss];
  const sampler = setInterval(() => void stats().then((s) => samples.push(s.rss), () => {}), 2000);
  const eventsBefore = { ...startStats.events };
  const rooms = roomsWithinWorkers(U, workers.size, sizes.latencyRoomSize, 'lat');
  let churnRounds = 0;
  const churnErrors: Record<string, number> = {};
  let stopChurn = false;
  const churn = (async () => {
    const batch = Math.max(1, Math.floor(sizes.churnUsers / 4));
    let next = 0;
    while (!stopChurn) {
      const entries = Array.from({ length: batch }, (_, i) => {
        const n = (next + i) % sizes.churnUsers;
        return { index: sizes.connections + n, token: churnToken(n) };
      });
      next = (next + batch) % sizes.churnUsers;
      const results = await workers.byClient<{ index: number; token: string }, { errors: Record<string, number> }>('churn', entries, (e) => e.index, (share) => ({
        entries: share,
        room: 'soak',
        messages: 3,
        gapMs: 300,
      }));
      for (const [code, count] of Object.entries(sumErrors(results))) churnErrors[code] = (churnErrors[code] ?? 0) + count;
      churnRounds++;
    }
  })();
  const traffic = await runTrafficOnce(workers, rooms, {
    ratePerSender: 0.5,
    seconds: sizes.soakSeconds,
    warmupSeconds: 0,
    deliveriesPerMessage: sizes.latencyRoomSize - 1,
  });
  stopChurn = true;
  await churn;
  clearInterval(sampler);
  await settled();
  await gc();
  const endStats = await stats();
  samples.push(endStats.rss);
  const serverErrors: Record<string, number> = {};
  for (const [event, count] of Object.entries(endStats.events)) {
    const delta = count - (eventsBefore[event] ?? 0);
    if (delta > 0 && /fail|error|dropped|refused/.test(event)) serverErrors[event] = delta;
  }
  const errors = { ...traffic.errors, ...churnErrors, ...serverErrors };
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  ctx.details.soak = { seconds: sizes.soakSeconds, churnRounds, churnUsers: sizes.churnUsers, traffic, errors, rssSamples: samples, churnFirst };
  progress(SECTION, `soak: RSS ${(startStats.rss / MiB).toFixed(0)} → ${(endStats.rss / MiB).toFixed(0)} MiB (max ${(Math.max(...samples) / MiB).toFixed(0)}), ${churnRounds} churn rounds, errors ${JSON.stringify(errors)}`);
  record.set('soak.rss.start', 'ours', startStats.rss / MiB);
  record.set('soak.rss.end', 'ours', endStats.rss / MiB, `max ${(Math.max(...samples) / MiB).toFixed(0)} MiB`);
  record.set('soak.errors', 'ours', errorCount);
}

async function profileFanout(ctx: OursContext, workers: Workers, U: number, settled: () => Promise<void>, serverCpuMs: () => Promise<number>): Promise<void> {
  const { offered, seconds } = ctx.profileOnly!;
  progress(SECTION, `profile: fan-out in one room of ${U}, offered ${offered.toLocaleString('en-US')} deliveries/s for ${seconds} s`);
  const cpuBefore = await serverCpuMs();
  const result = await runTrafficOnce(
    workers,
    Array.from({ length: U }, (_, index) => ({ index, room: 'general' })),
    { ratePerSender: offered / (U - 1) / U, seconds, warmupSeconds: 1, deliveriesPerMessage: U - 1 },
  );
  const cpuUsPerDelivery = ((await serverCpuMs()) - cpuBefore) * 1000 / Math.max(1, result.deliveredTotal);
  await settled();
  ctx.details.profileFanout = { ...result, serverCpuUsPerDelivery: cpuUsPerDelivery };
  progress(SECTION, `delivered ${Math.round(result.deliveredPerSecond).toLocaleString('en-US')}/s, p99 ${result.latency.p99.toFixed(1)} ms, server CPU ${cpuUsPerDelivery.toFixed(1)} µs per delivery`);
  const record = new Recorder(ctx.rows, ctx.sizes);
  record.set('fanout.profiled', 'ours', result.deliveredPerSecond);
  record.set('fanout.profiled.cpu', 'ours', cpuUsPerDelivery);
}
