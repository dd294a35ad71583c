// A load-generator process for securechat: holds many LoadClients and runs
// the traffic the coordinator (bench/run.ts) asks for. Several of these run
// side by side, each in its own process, none in the server's.

import { Histogram, wallClockMs } from '../lib/histogram.ts';
import { loopbackAddress } from '../lib/addresses.ts';
import { serve } from '../lib/rpc.ts';
import { LoadClient, RequestFailed } from './load-client.ts';
import type { ServerMessage } from '../../src/net/schema.ts';
import { type TrafficSpec, type TrafficResult, runTraffic, type Counters } from '../lib/traffic.ts';

let port = 0;
let fingerprint = '';
const clients = new Map<number, LoadClient>();
const counters: Counters = { delivered: 0, presence: 0, notices: 0, byes: 0, closedUnexpectedly: 0 };
let onDelivery: ((body: string, from: string, receivedAt: number) => void) | undefined;

function errorCode(error: unknown): string {
  if (error instanceof RequestFailed) return error.code;
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error as Error).message.slice(0, 60);
}

function push(message: ServerMessage): void {
  switch (message.type) {
    case 'message':
      counters.delivered++;
      onDelivery?.(message.message.body, message.message.from, wallClockMs());
      break;
    case 'presence':
      counters.presence++;
      break;
    case 'notice':
      counters.notices++;
      break;
    case 'bye':
      counters.byes++;
      break;
    default:
      break;
  }
}

/** Runs `task` over `items`, at most `concurrency` at a time, starting none after `stopAt` (performance.now() ms). */
async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>, progress?: (done: number) => void, stopAt = Infinity) {
  const errors: Record<string, number> = {};
  let next = 0;
  let done = 0;
  let failed = 0;
  const lane = async () => {
    while (next < items.length && performance.now() < stopAt) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        failed++;
        const code = errorCode(error);
        errors[code] = (errors[code] ?? 0) + 1;
      }
      done++;
      progress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return { done, failed, errors };
}

async function connect(index: number): Promise<LoadClient> {
  const client = await LoadClient.open({ port, localAddress: loopbackAddress(index), fingerprint });
  client.onPush = push;
  client.onClose = () => {
    if (clients.get(index) === client) {
      clients.delete(index);
      counters.closedUnexpectedly++;
    }
  };
  return client;
}

const rpc = serve({
  init(args: { port: number; fingerprint: string }) {
    port = args.port;
    fingerprint = args.fingerprint;
    return null;
  },

  /**
   * Connects each client and resumes its session with its token. With
   * `retryForMs`, a client whose attempt fails tries again after a random
   * pause of up to a second, as a real client's reconnect does, until that
   * long has passed since the start.
   */
  async open(args: { clients: Array<{ index: number; token: string }>; concurrency: number; retryForMs?: number; timeBoxMs?: number }) {
    const started = performance.now();
    const deadline = started + (args.retryForMs ?? 0);
    // Past the time box no new client starts (those under way finish): a busy machine shortens the phase, not the run.
    const stopAt = started + (args.timeBoxMs ?? Infinity);
    let lastProgress = 0;
    let attempts = 0;
    const attemptErrors: Record<string, number> = {};
    const result = await pool(
      args.clients,
      args.concurrency,
      async ({ index, token }) => {
        for (;;) {
          attempts++;
          try {
            const client = await connect(index);
            try {
              await client.request('resume', { token });
            } catch (error) {
              client.close();
              throw error;
            }
            clients.set(index, client);
            return;
          } catch (error) {
            if (performance.now() >= deadline) throw error;
            const code = errorCode(error);
            attemptErrors[code] = (attemptErrors[code] ?? 0) + 1;
            await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 900));
          }
        }
      },
      (done) => {
        if (performance.now() - lastProgress > 500) {
          lastProgress = performance.now();
          rpc.emit('progress', { done });
        }
      },
      stopAt,
    );
    return { ...result, skipped: args.clients.length - result.done, attempts, attemptErrors, ms: performance.now() - started };
  },

  /** Password logins on fresh connections, one after another per lane, for `durationMs`; each session is closed after. */
  async logins(args: { users: Array<{ index: number; username: string }>; password: string; concurrency: number; durationMs: number }) {
    const deadline = performance.now() + args.durationMs;
    const started = performance.now();
    let ok = 0;
    const latency = new Histogram();
    const queue = args.users.slice();
    const result = await pool(
      Array.from({ length: args.concurrency }, (_, lane) => lane),
      args.concurrency,
      async () => {
        while (performance.now() < deadline && queue.length > 0) {
          const { index, username } = queue.shift()!;
          const client = await connect(index);
          const t0 = performance.now();
          try {
            await client.request('login', { username, password: args.password });
            latency.record(performance.now() - t0);
            ok++;
          } finally {
            client.close();
          }
        }
      },
    );
    return { ok, errors: result.errors, ms: performance.now() - started, latency: latency.toJSON() };
  },

  async join(args: { entries: Array<{ index: number; room: string }>; concurrency: number }) {
    const started = performance.now();
    const result = await pool(args.entries, args.concurrency, async ({ index, room }) => {
      const client = clients.get(index);
      if (!client) throw new RequestFailed('not_open', `client ${index} is not connected`);
      await client.request('join', { room });
    });
    return { ...result, ms: performance.now() - started };
  },

  /** One history request per listed client, sequentially: round-trip times of a page. */
  async history(args: { entries: Array<{ index: number; room: string; before?: number }>; limit: number }) {
    const latency = new Histogram();
    const errors: Record<string, number> = {};
    for (const { index, room, before } of args.entries) {
      const client = clients.get(index);
      if (!client) continue;
      const t0 = performance.now();
      try {
        await client.request('history', before === undefined ? { room, limit: args.limit } : { room, before, limit: args.limit });
        latency.record(performance.now() - t0);
      } catch (error) {
        const code = errorCode(error);
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
    return { latency: latency.toJSON(), errors };
  },

  async traffic(spec: TrafficSpec): Promise<TrafficResult> {
    return runTraffic(spec, {
      send: (index, room, body) => {
        const client = clients.get(index);
        if (!client) return Promise.reject(new RequestFailed('not_open', `client ${index} is not connected`));
        return client.request('send', { room, body }).then(() => undefined);
      },
      errorCode,
      setDeliveryHandler: (handler) => {
        onDelivery = handler;
      },
      counters,
    });
  },

  /** Soak churn: each entry connects, resumes, joins `room`, says a few lines, and hangs up. */
  async churn(args: { entries: Array<{ index: number; token: string }>; room: string; messages: number; gapMs: number }) {
    const result = await pool(args.entries, args.entries.length, async ({ index, token }) => {
      const client = await connect(index);
      try {
        await client.request('resume', { token });
        await client.request('join', { room: args.room });
        for (let i = 0; i < args.messages; i++) {
          await new Promise((resolve) => setTimeout(resolve, args.gapMs));
          await client.request('send', { room: args.room, body: `soak line ${i} from ${index}` });
        }
      } finally {
        client.close();
      }
    });
    return result;
  },

  /** Hangs up (no logout: the tokens stay valid for a resume). */
  close(args: { indices?: number[] }) {
    const indices = args.indices ?? [...clients.keys()];
    for (const index of indices) {
      const client = clients.get(index);
      clients.delete(index);
      client?.close();
    }
    return { closed: indices.length, open: clients.size };
  },

  counts() {
    return { open: clients.size, ...counters, rss: process.memoryUsage().rss, cpuMs: process.cpuUsage().user / 1000 };
  },
});
