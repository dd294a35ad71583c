// The securechat half of the benchmark: provisioning, one server process,
// load-generator processes, and the phases in order: connections (up to the
// peak), reconnect storm (on the peak's connections), fan-out, latency,
// password logins, history, soak.

import { join } from 'node:path';
import { Histogram } from '../lib/histogram.ts';
import { Recorder } from '../lib/metrics.ts';
import { progress, sleep, ticker } from '../lib/progress.ts';
import type { Row } from '../lib/report.ts';
import { forkTs, type Peer } from '../lib/rpc.ts';
import { fanoutSteps, quiesce, roomMemberships, roomsWithinWorkers, runTrafficOnce, settle, type TrafficSummary } from '../lib/scenarios.ts';
import { sumErrors, Workers } from '../lib/workers.ts';
import type { Sizes } from '../sizes.ts';
import { BENCH_PASSWORD, benchUsername, provision } from './provision.ts';

const SECTION = 'securechat';
const here = (file: string) => new URL(file, import.meta.url).pathname;
const MiB = 1024 * 1024;

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
  /** Not started: the phase's time box ran out. */
  skipped: number;
  errors: Record<string, number>;
  attempts: number;
  attemptErrors: Record<string, number>;
  ms: number;
}

export interface OursContext {
  root: string;
  repo: string;
  sizes: Sizes;
  rows: Row[];
  details: Record<string, unknown>;
  /** Only what the profile needs: the users online, then fan-out in one room or in the many rooms, profiled into `file`. */
  profileOnly?: { offered: number; seconds: number; scenario: ProfileScenario; file: string };
}

export type ProfileScenario = 'one' | 'rooms' | 'latency';

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

function sumOpen(results: OpenResult[]): OpenResult {
  return {
    done: results.reduce((sum, r) => sum + r.done, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    skipped: results.reduce((sum, r) => sum + r.skipped, 0),
    errors: sumErrors(results),
    attempts: results.reduce((sum, r) => sum + r.attempts, 0),
    attemptErrors: sumErrors(results.map((r) => ({ errors: r.attemptErrors }))),
    ms: Math.max(...results.map((r) => r.ms)),
  };
}

export async function runOurs(ctx: OursContext): Promise<void> {
  const { sizes } = ctx;
  const record = new Recorder(ctx.rows, sizes);
  const home = join(ctx.root, 'securechat-home');
  const U = sizes.users;
  const W = sizes.workers;

  // Connection c belongs to user c mod U; the soak's churn users come after the main ones.
  const sessionOwners = Array.from({ length: sizes.connections }, (_, c) => c % U);
  for (let i = 0; i < sizes.churnUsers; i++) sessionOwners.push(U + i);
  const fanRooms = roomMemberships(U, sizes.rooms, sizes.roomSize, 'fan');
  const latencyRooms = roomsWithinWorkers(U, W, sizes.latencyRoomSize, 'lat');
  progress(SECTION, `provisioning ${U + sizes.churnUsers} accounts (one scrypt hash, import-users), ${sessionOwners.length} sessions, ${fanRooms.length + latencyRooms.length} room memberships`);
  const accounts = await provision({ root: ctx.root, home, accounts: U + sizes.churnUsers, sessionOwners, memberships: [...fanRooms, ...latencyRooms], repo: ctx.repo });
  progress(SECTION, `provisioned: hash ${accounts.hashMs.toFixed(0)} ms, import-users ${(accounts.importMs / 1000).toFixed(1)} s, sessions and memberships ${(accounts.sessionsMs / 1000).toFixed(1)} s`);
  ctx.details.provisioning = { accounts: U + sizes.churnUsers, sessions: sessionOwners.length, hashMs: accounts.hashMs, importMs: accounts.importMs, sessionsMs: accounts.sessionsMs };
  const tokenOf = (c: number) => accounts.tokens[c]!;
  const churnToken = (i: number) => accounts.tokens[sizes.connections + i]!;

  const server = await startServerProcess(join(home, 'server'));
  progress(SECTION, `server up on port ${server.port} in ${server.wallMs.toFixed(0)} ms (process start to listening)`);
  const stats = () => server.peer.call<ServerStats>('stats');
  const serverCpuMs = async () => {
    const s = await stats();
    return s.cpuUserMs + s.cpuSystemMs;
  };
  const workers = new Workers(here('./worker.ts'), W, 'securechat');
  await workers.all('init', { port: server.port, fingerprint: server.fingerprint });

  let lastConnections = 0;
  const open = async (from: number, to: number, concurrency: number, label: string, retryForMs = 0, timeBoxMs?: number): Promise<OpenResult> => {
    const items = Array.from({ length: to - from }, (_, i) => ({ index: from + i, token: tokenOf(from + i) }));
    const stop = ticker(SECTION, () => `${label}: server holds ${lastConnections} connections`);
    const poll = setInterval(() => void stats().then((s) => (lastConnections = s.connections), () => {}), 1000);
    try {
      return sumOpen(
        await workers.byClient<{ index: number; token: string }, OpenResult>('open', items, (item) => item.index, (share) => ({ clients: share, concurrency, retryForMs, timeBoxMs })),
      );
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
  /** Deliveries drained and the server idle: the next measurement starts clean. */
  const settled = async () => {
    await settle(workers);
    await quiesce(serverCpuMs);
  };

  try {
    // ------------------------------------------------------------- connections
    progress(SECTION, `connecting ${U} users (handshake + resume each; sign-ins announced to all who are online, gathered every 0.5 s)`);
    const first = await open(0, U, 100, `${U} users`, 60_000, sizes.timeBoxSeconds * 1000);
    await settled();
    await server.peer.call('gc');
    const at1k = await stats();
    progress(SECTION, `${first.done - first.failed} users online in ${(first.ms / 1000).toFixed(1)} s; server RSS ${(at1k.rss / MiB).toFixed(0)} MiB`);
    if (ctx.profileOnly) {
      await server.peer.call('profileStart');
      const { scenario } = ctx.profileOnly;
      const senders = scenario === 'one' ? Array.from({ length: U }, (_, index) => ({ index, room: 'general' })) : scenario === 'rooms' ? fanRooms : latencyRooms;
      await profileFanout(ctx, workers, U, senders, settled, serverCpuMs);
      await server.peer.call('profileStop', { file: ctx.profileOnly.file });
      return;
    }
    progress(SECTION, `adding connections up to ${sizes.connections} (${sizes.connections / U} per user: more sessions of users already online)`);
    const rest = await open(U, sizes.connections, 200, `${sizes.connections} connections`, 60_000, sizes.timeBoxSeconds * 1000);
    if (rest.skipped > 0 || first.skipped > 0) progress(SECTION, `time box of ${sizes.timeBoxSeconds} s reached: ${first.skipped + rest.skipped} connections not attempted (the machine is busy)`);
    await settled();
    await server.peer.call('gc');
    const atPeak = await stats();
    const held = atPeak.connections;
    const perConnection = (atPeak.rss - at1k.rss) / Math.max(1, held - at1k.connections);
    progress(SECTION, `${held} connections held; RSS ${(atPeak.rss / MiB).toFixed(0)} MiB; ${(perConnection / 1024).toFixed(1)} KiB per added connection`);
    ctx.details.connections = { first, rest, at1k, atPeak };
    record.set('conn.held', 'ours', held);
    record.set('conn.first.seconds', 'ours', first.ms / 1000, 'sign-ins announced to all online every 0.5 s');
    record.set('conn.rss.1k', 'ours', at1k.rss / MiB);
    record.set('conn.rss.peak', 'ours', atPeak.rss / MiB);
    record.set('conn.per', 'ours', perConnection / 1024);

    // ------------------------------------------------------------- reconnect storm
    await closeRange(sizes.storm, sizes.connections);
    await waitForConnections(Math.min(sizes.storm, held));
    await settled();
    progress(SECTION, `reconnect storm: ${sizes.storm} clients (${sizes.storm / U} per user) drop at once, then all resume with their tokens at once (each retries, as a client would, for up to ${sizes.timeBoxSeconds} s)`);
    await workers.all('close', {});
    await waitForConnections(0);
    await settled();
    const stormSize = Math.min(sizes.storm, held);
    const storm = await open(0, stormSize, stormSize, 'storm', sizes.timeBoxSeconds * 1000);
    const stormSeconds = storm.ms / 1000;
    const back = storm.done - storm.failed;
    progress(SECTION, `${back}/${stormSize} back in ${stormSeconds.toFixed(1)} s after ${storm.attempts} attempts${storm.attempts > storm.done ? ` (retried: ${JSON.stringify(storm.attemptErrors)})` : ''}${storm.failed > 0 ? `; never back: ${JSON.stringify(storm.errors)}` : ''}`);
    ctx.details.storm = storm;
    record.set('storm.seconds', 'ours', back === stormSize ? stormSeconds : NaN, `${stormSize} clients; ${back === stormSize ? `${storm.attempts - storm.done} retries` : `${storm.failed} not back in ${stormSeconds.toFixed(0)} s`}`);
    record.set('storm.rate', 'ours', back / stormSeconds);
    await closeRange(U, sizes.storm);
    await waitForConnections(U);
    await settled();

    // ------------------------------------------------------------- fan-out
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

    const perUser = fanRooms.length / U;
    progress(SECTION, `fan-out: ${sizes.rooms} rooms of ${sizes.roomSize} (${perUser} rooms per user, memberships provisioned), stepped offered load`);
    const manyRooms = await fanoutSteps(`${SECTION} fan-out ${sizes.rooms} rooms`, workers, {
      steps: sizes.fanoutSteps,
      seconds: sizes.stepSeconds,
      warmupSeconds: 1,
      deliveriesPerMessage: sizes.roomSize - 1,
      // Each user speaks in each of its rooms in turn; its total stays under the lines a user may send.
      plan: (offered) => withinRateLimit({ senders: fanRooms, ratePerSender: offered / (sizes.roomSize - 1) / fanRooms.length }, perUser),
      settle: settled,
      serverCpuMs,
    });
    ctx.details.fanoutManyRooms = { ...manyRooms, perUserRoomCount: perUser };
    record.set('fanout.rooms', 'ours', manyRooms.best);
    if (manyRooms.serverCpuUsPerDelivery !== undefined) record.set('fanout.rooms.cpu', 'ours', manyRooms.serverCpuUsPerDelivery);

    // ------------------------------------------------------------- latency
    const latency = await latencyRuns(SECTION, workers, latencyRooms, sizes, settled);
    ctx.details.latency = latency;
    recordLatency(record, 'ours', latency);

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
    await runSoak(ctx, workers, stats, churnToken, settled, () => server.peer.call('gc'));

    const final = await stats();
    ctx.details.serverEvents = final.events;
    ctx.details.serverCpuSeconds = (final.cpuUserMs + final.cpuSystemMs) / 1000;
  } finally {
    await workers.stop();
    await server.peer.call('stop').catch(() => {});
    await server.peer.stop();
  }
}

export interface LatencyRuns {
  full: TrafficSummary;
  light?: TrafficSummary;
  lightRate: number;
}

/** The issue's latency load (1 message/s from every client), then a quarter of it: the first may overload a server, the second shows it unloaded. */
export async function latencyRuns(
  section: string,
  workers: Workers,
  rooms: Array<{ index: number; room: string }>,
  sizes: Sizes,
  settled: () => Promise<void>,
): Promise<LatencyRuns> {
  const lightRate = 0.25;
  // The light run first: the full one may overload the server and leave a backlog behind it.
  const measured = new Map<number, TrafficSummary>();
  for (const rate of sizes.latencyLight ? [lightRate, 1] : [1]) {
    progress(section, `latency: ${rooms.length} clients in rooms of ${sizes.latencyRoomSize}, ${rate} message/s each, ${sizes.latencySeconds} s`);
    const result = await runTrafficOnce(workers, rooms, { ratePerSender: rate, seconds: sizes.latencySeconds, warmupSeconds: 2, deliveriesPerMessage: sizes.latencyRoomSize - 1 });
    measured.set(rate, result);
    const share = result.deliveredTotal / Math.max(1, result.expectedTotal);
    progress(
      section,
      `p50 ${result.latency.p50.toFixed(2)} ms, p99 ${result.latency.p99.toFixed(2)} ms, p99.9 ${result.latency.p999.toFixed(2)} ms; ` +
        `${(100 * share).toFixed(1)} % of ${result.expectedTotal.toLocaleString('en-US')} deliveries arrived` +
        (Object.keys(result.errors).length > 0 ? `; errors ${JSON.stringify(result.errors)}` : ''),
    );
    await settled();
  }
  const light = measured.get(lightRate);
  return light ? { full: measured.get(1)!, light, lightRate } : { full: measured.get(1)!, lightRate };
}

/** Latency rows: percentiles of what arrived, flagged when much did not (an overloaded server). */
export function recordLatency(record: Recorder, side: 'ours' | 'peer', runs: LatencyRuns): void {
  const { full, light } = runs;
  const arrived = full.deliveredTotal / Math.max(1, full.expectedTotal);
  const note = arrived < 0.99 ? `overloaded: ${(100 * arrived).toFixed(0)} % arrived` : undefined;
  record.set('latency.p50', side, full.latency.p50, note);
  record.set('latency.p99', side, full.latency.p99);
  record.set('latency.p999', side, full.latency.p999);
  if (side === 'ours') record.set('latency.ack.p99', side, full.ackLatency.p99);
  if (!light) return;
  record.set('latency.light.p50', side, light.latency.p50);
  record.set('latency.light.p99', side, light.latency.p99);
}

async function runSoak(
  ctx: OursContext,
  workers: Workers,
  stats: () => Promise<ServerStats>,
  churnToken: (i: number) => string,
  settled: () => Promise<void>,
  /** Collects garbage in the server before an RSS reading (it runs with --expose-gc). */
  gc: () => Promise<unknown>,
): Promise<void> {
  const { sizes } = ctx;
  const record = new Recorder(ctx.rows, sizes);
  const U = sizes.users;
  progress(SECTION, `soak for ${sizes.soakSeconds} s: ${U} users chatting (0.1 msg/s each, rooms of ${sizes.latencyRoomSize}) while ${sizes.churnUsers} others come online, join a room, chat and leave`);
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
    ratePerSender: 0.1,
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
  const lost = traffic.expectedTotal - traffic.deliveredTotal;
  const errors: Record<string, number> = { ...traffic.errors, ...churnErrors, ...serverErrors, ...(lost > 0 ? { undelivered: lost } : {}) };
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  ctx.details.soak = { seconds: sizes.soakSeconds, churnRounds, churnUsers: sizes.churnUsers, traffic, errors, rssSamples: samples };
  progress(SECTION, `soak: RSS ${(startStats.rss / MiB).toFixed(0)} → ${(endStats.rss / MiB).toFixed(0)} MiB (max ${(Math.max(...samples) / MiB).toFixed(0)}), ${churnRounds} churn rounds, errors ${JSON.stringify(errors)}`);
  record.set('soak.rss.start', 'ours', startStats.rss / MiB);
  record.set('soak.rss.end', 'ours', endStats.rss / MiB, `max ${(Math.max(...samples) / MiB).toFixed(0)} MiB`);
  record.set('soak.errors', 'ours', errorCount);
}

async function profileFanout(
  ctx: OursContext,
  workers: Workers,
  U: number,
  senders: Array<{ index: number; room: string }>,
  settled: () => Promise<void>,
  serverCpuMs: () => Promise<number>,
): Promise<void> {
  const { offered, seconds, scenario } = ctx.profileOnly!;
  const roomSize = scenario === 'one' ? U : scenario === 'rooms' ? ctx.sizes.roomSize : ctx.sizes.latencyRoomSize;
  const shape = scenario === 'one' ? `in one room of ${U}` : scenario === 'rooms' ? `in ${ctx.sizes.rooms} rooms of ${roomSize}` : `in the latency rooms of ${roomSize}`;
  progress(SECTION, `profile: fan-out ${shape}, offered ${offered.toLocaleString('en-US')} deliveries/s for ${seconds} s`);
  const cpuBefore = await serverCpuMs();
  const result = await runTrafficOnce(workers, senders, {
    ratePerSender: offered / (roomSize - 1) / senders.length,
    seconds,
    warmupSeconds: 1,
    deliveriesPerMessage: roomSize - 1,
  });
  const cpuUsPerDelivery = (((await serverCpuMs()) - cpuBefore) * 1000) / Math.max(1, result.deliveredTotal);
  await settled();
  ctx.details.profileFanout = { ...result, serverCpuUsPerDelivery: cpuUsPerDelivery };
  progress(SECTION, `delivered ${Math.round(result.deliveredPerSecond).toLocaleString('en-US')}/s, p99 ${result.latency.p99.toFixed(1)} ms, server CPU ${cpuUsPerDelivery.toFixed(1)} µs per delivery`);
  const record = new Recorder(ctx.rows, ctx.sizes);
  record.set('fanout.profiled', 'ours', result.deliveredPerSecond, shape);
  record.set('fanout.profiled.cpu', 'ours', cpuUsPerDelivery);
}
