// The load shapes both servers are put through (securechat and the IRC peer
// alike): stepped fan-out to find the delivery rate a server sustains, and a
// steady latency run. The drivers differ only in how their workers connect.

import { Histogram, wallClockMs } from './histogram.ts';
import { progress, sleep } from './progress.ts';
import type { TrafficResult, TrafficSpec } from './traffic.ts';
import { sumErrors, type Workers } from './workers.ts';

export interface TrafficSummary {
  offeredPerSecond: number;
  deliveredPerSecond: number;
  sent: number;
  acked: number;
  deliveredTotal: number;
  expectedTotal: number;
  errors: Record<string, number>;
  latency: { p50: number; p99: number; p999: number; max: number; count: number };
  ackLatency: { p50: number; p99: number; count: number };
  maxSendLagMs: number;
  generatorCpuMs: number;
}

function percentiles(histogram: Histogram) {
  return {
    p50: histogram.percentile(0.5),
    p99: histogram.percentile(0.99),
    p999: histogram.percentile(0.999),
    max: histogram.max,
    count: histogram.count,
  };
}

/** Sends at `ratePerSender` from every sender for `seconds` (after `warmupSeconds`), on every worker at once. */
export async function runTrafficOnce(
  workers: Workers,
  senders: Array<{ index: number; room: string }>,
  options: { ratePerSender: number; seconds: number; warmupSeconds: number; deliveriesPerMessage: number; bodyBytes?: number; drainMs?: number },
): Promise<TrafficSummary> {
  const spec: Omit<TrafficSpec, 'senders'> = {
    ratePerSender: options.ratePerSender,
    startAt: wallClockMs() + 300,
    warmupMs: options.warmupSeconds * 1000,
    durationMs: options.seconds * 1000,
    drainMs: options.drainMs ?? 5000,
    bodyBytes: options.bodyBytes ?? 100,
  };
  const results = await workers.byClient<{ index: number; room: string }, TrafficResult>(
    'traffic',
    senders,
    (sender) => sender.index,
    (share) => ({ ...spec, senders: share }),
  );
  const latency = new Histogram();
  const ackLatency = new Histogram();
  for (const result of results) {
    latency.merge(Histogram.fromJSON(result.latency));
    ackLatency.merge(Histogram.fromJSON(result.ackLatency));
  }
  const sent = results.reduce((sum, r) => sum + r.sent, 0);
  const sum = (pick: (r: TrafficResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  return {
    offeredPerSecond: senders.length * options.ratePerSender * options.deliveriesPerMessage,
    deliveredPerSecond: sum((r) => r.deliveredInWindow) / options.seconds,
    sent,
    acked: sum((r) => r.acked),
    deliveredTotal: sum((r) => r.deliveredTotal),
    expectedTotal: sent * options.deliveriesPerMessage,
    errors: sumErrors(results),
    latency: percentiles(latency),
    ackLatency: { p50: ackLatency.percentile(0.5), p99: ackLatency.percentile(0.99), count: ackLatency.count },
    maxSendLagMs: Math.max(...results.map((r) => r.maxSendLagMs)),
    generatorCpuMs: sum((r) => r.cpuMs),
  };
}

export interface StepResult extends TrafficSummary {
  keptUp: boolean;
  /** Server CPU time (user + system) over the step, per delivery: a figure a busy machine disturbs less than a rate. */
  serverCpuUsPerDelivery?: number;
}

/**
 * Fan-out capacity: offered delivery rates in steps, each for `seconds`;
 * stops after the first step the server does not keep up with (fewer than
 * 90 % of the offered deliveries arrive inside the window, or a send fails).
 * The figure is the highest delivery rate measured in any step.
 */
export async function fanoutSteps(
  section: string,
  workers: Workers,
  options: {
    steps: number[];
    seconds: number;
    warmupSeconds: number;
    deliveriesPerMessage: number;
    /** The senders and their rate for an offered delivery rate; undefined when that rate cannot be offered (a limit). */
    plan: (offered: number) => { senders: Array<{ index: number; room: string }>; ratePerSender: number } | undefined;
    settle: () => Promise<void>;
    /** The server's CPU time so far, in ms. */
    serverCpuMs?: () => Promise<number>;
  },
): Promise<{ best: number; steps: StepResult[]; serverCpuUsPerDelivery?: number }> {
  const steps: StepResult[] = [];
  let best = 0;
  for (const offered of options.steps) {
    const planned = options.plan(offered);
    if (!planned) {
      progress(section, `offered ${offered.toLocaleString('en-US')}/s would need more lines per user than the server allows (5/s): stepping stops here`);
      break;
    }
    const { senders, ratePerSender } = planned;
    const cpuBefore = await options.serverCpuMs?.();
    const result = await runTrafficOnce(workers, senders, {
      ratePerSender,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      deliveriesPerMessage: options.deliveriesPerMessage,
    });
    const cpuAfter = await options.serverCpuMs?.();
    const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
    const keptUp = result.deliveredPerSecond >= 0.9 * result.offeredPerSecond && errors === 0;
    const serverCpuUsPerDelivery =
      cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) * 1000) / Math.max(1, result.deliveredTotal);
    steps.push({ ...result, keptUp, ...(serverCpuUsPerDelivery === undefined ? {} : { serverCpuUsPerDelivery }) });
    best = Math.max(best, result.deliveredPerSecond);
    progress(
      section,
      `offered ${Math.round(result.offeredPerSecond).toLocaleString('en-US')}/s → delivered ${Math.round(result.deliveredPerSecond).toLocaleString('en-US')}/s, ` +
        `p99 ${result.latency.p99.toFixed(1)} ms${serverCpuUsPerDelivery === undefined ? '' : `, server CPU ${serverCpuUsPerDelivery.toFixed(1)} µs/delivery`}${errors > 0 ? `, errors ${JSON.stringify(result.errors)}` : ''}${keptUp ? '' : ' (did not keep up: last step)'}`,
    );
    await options.settle();
    if (!keptUp) break;
  }
  // CPU per delivery at the highest load measured: the server's cost of one delivery.
  const last = steps[steps.length - 1];
  return { best, steps, ...(last?.serverCpuUsPerDelivery === undefined ? {} : { serverCpuUsPerDelivery: last.serverCpuUsPerDelivery }) };
}

/** Waits until the workers' delivery counters stop moving (queues drained). */
export async function settle(workers: Workers, quietMs = 500, timeoutMs = 90_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const counts = await workers.all<{ delivered: number }>('counts');
    const delivered = counts.reduce((sum, c) => sum + c.delivered, 0);
    if (delivered === last || performance.now() > deadline) return;
    last = delivered;
    await sleep(quietMs);
  }
}

/**
 * Waits until a server is idle (its CPU use below `idleShare` of one core
 * over `windowMs`): after an overloaded step it may still be working through
 * queued requests, which the next measurement must not inherit.
 */
export async function quiesce(cpuMs: () => Promise<number>, options: { idleShare?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<void> {
  const { idleShare = 0.15, windowMs = 700, timeoutMs = 60_000 } = options;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const c0 = await cpuMs();
    const t0 = performance.now();
    await sleep(windowMs);
    const share = ((await cpuMs()) - c0) / (performance.now() - t0);
    if (share < idleShare) return;
  }
}

/** Rooms of `size` members for `clients` clients, each room within one worker (so receipt and send share a clock). */
export function roomsWithinWorkers(clients: number, workers: number, size: number, prefix: string): Array<{ index: number; room: string }> {
  const out: Array<{ index: number; room: string }> = [];
  for (let index = 0; index < clients; index++) {
    const worker = index % workers;
    const rank = Math.floor(index / workers);
    out.push({ index, room: `${prefix}${worker}x${Math.floor(rank / size)}` });
  }
  return out;
}

/**
 * Memberships for `rooms` rooms of `size` members among `users` users, each
 * user in rooms×size/users of them (none twice): 100 rooms of 100 among
 * 1,000 users puts each user in 10 rooms.
 */
export function roomMemberships(users: number, rooms: number, size: number, prefix: string): Array<{ index: number; room: string }> {
  const perUser = Math.max(1, Math.round((rooms * size) / users));
  const out: Array<{ index: number; room: string }> = [];
  for (let j = 0; j < perUser; j++) {
    for (let user = 0; user < users; user++) {
      const room = Math.floor((j * users + user) / size);
      if (room < rooms) out.push({ index: user, room: `${prefix}${room}` });
    }
  }
  return out;
}
