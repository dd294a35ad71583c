// Paced chat traffic, shared by the securechat and IRC load workers: each
// sender sends `ratePerSender` messages a second into its room (open loop:
// on a schedule, not waiting for the previous reply), every client of the
// process counts the messages it receives, and receipt latency is measured
// from the send time written into each body (the harness's clocks agree
// across processes: see wallClockMs).

import { Histogram, wallClockMs } from './histogram.ts';

export interface TrafficSpec {
  senders: Array<{ index: number; room: string }>;
  /** Messages per second per sender (securechat allows 5/s per user sustained; the harness stays under it). */
  ratePerSender: number;
  /** Wall-clock ms at which every worker starts sending. */
  startAt: number;
  /** Sent but not measured: lets queues reach their steady state. */
  warmupMs: number;
  durationMs: number;
  /** After the last send, how long to keep receiving (late deliveries still count for latency). */
  drainMs: number;
  bodyBytes: number;
}

export interface TrafficResult {
  sent: number;
  acked: number;
  sendErrors: Record<string, number>;
  /** Deliveries received inside the measured window (whenever sent). */
  deliveredInWindow: number;
  /** Deliveries of messages sent by this run, received at any time. */
  deliveredTotal: number;
  /** Send to decrypted receipt, for messages sent inside the window. */
  latency: ReturnType<Histogram['toJSON']>;
  /** Send to acknowledgement (durable), for messages sent inside the window. */
  ackLatency: ReturnType<Histogram['toJSON']>;
  /** Worst lateness of a send against its schedule: how well this generator kept up. */
  maxSendLagMs: number;
  cpuMs: number;
}

export interface Counters {
  delivered: number;
  presence: number;
  notices: number;
  byes: number;
  closedUnexpectedly: number;
}

export interface TrafficIo {
  send(index: number, room: string, body: string): Promise<void>;
  errorCode(error: unknown): string;
  setDeliveryHandler(handler: ((body: string, from: string, receivedAt: number) => void) | undefined): void;
  counters: Counters;
}

const TAG = 'bench:';

export async function runTraffic(spec: TrafficSpec, io: TrafficIo): Promise<TrafficResult> {
  const windowStart = spec.startAt + spec.warmupMs;
  const windowEnd = windowStart + spec.durationMs;
  const latency = new Histogram();
  const ackLatency = new Histogram();
  const sendErrors: Record<string, number> = {};
  let deliveredInWindow = 0;
  let deliveredTotal = 0;
  let sent = 0;
  let acked = 0;
  let maxSendLagMs = 0;
  const cpuBefore = process.cpuUsage();

  io.setDeliveryHandler((body, _from, receivedAt) => {
    if (!body.startsWith(TAG)) return;
    deliveredTotal++;
    if (receivedAt >= windowStart && receivedAt < windowEnd) deliveredInWindow++;
    const sentAt = Number.parseFloat(body.slice(TAG.length, body.indexOf('|')));
    if (sentAt >= windowStart && sentAt < windowEnd) latency.record(receivedAt - sentAt);
  });

  // Senders in order of their phase within one period; each sends at startAt + phase + k·period.
  const period = 1000 / spec.ratePerSender;
  const order = spec.senders.map((sender, i) => ({ ...sender, phase: (i / Math.max(1, spec.senders.length)) * period }));
  const padding = 'x'.repeat(Math.max(0, spec.bodyBytes - 40));
  const inFlight = new Set<Promise<void>>();
  let cursor = 0;
  let round = 0;
  let seq = 0;

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = wallClockMs();
      if (now >= windowEnd) {
        resolve();
        return;
      }
      for (;;) {
        if (order.length === 0) break;
        const sender = order[cursor]!;
        const due = spec.startAt + round * period + sender.phase;
        if (due > now) break;
        maxSendLagMs = Math.max(maxSendLagMs, now - due);
        const sentAt = wallClockMs();
        const body = `${TAG}${sentAt.toFixed(3)}|${seq++}|${padding}`;
        sent++;
        const inWindow = sentAt >= windowStart;
        const request = io.send(sender.index, sender.room, body).then(
          () => {
            acked++;
            if (inWindow) ackLatency.record(wallClockMs() - sentAt);
          },
          (error: unknown) => {
            const code = io.errorCode(error);
            sendErrors[code] = (sendErrors[code] ?? 0) + 1;
          },
        );
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
        cursor++;
        if (cursor === order.length) {
          cursor = 0;
          round++;
        }
      }
      setTimeout(tick, 1);
    };
    setTimeout(tick, Math.max(0, spec.startAt - wallClockMs()));
  });
  const drainDeadline = wallClockMs() + spec.drainMs;
  while (inFlight.size > 0 && wallClockMs() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const rest = drainDeadline - wallClockMs();
  // Deliveries trail their acknowledgements a little: wait for them too.
  if (rest > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(rest, 500)));
  io.setDeliveryHandler(undefined);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    sent,
    acked,
    sendErrors,
    deliveredInWindow,
    deliveredTotal,
    latency: latency.toJSON(),
    ackLatency: ackLatency.toJSON(),
    maxSendLagMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}
