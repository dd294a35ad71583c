// A load-generator process for InspIRCd: the IRC counterpart of
// ours/worker.ts, with the same traffic (lib/traffic.ts) and the same
// source-address spread.

import { loopbackAddress } from '../lib/addresses.ts';
import { wallClockMs } from '../lib/histogram.ts';
import { serve } from '../lib/rpc.ts';
import { type Counters, type TrafficResult, type TrafficSpec, runTraffic } from '../lib/traffic.ts';
import { IrcClient } from './irc-client.ts';

let port = 0;
let fingerprint256 = '';
const clients = new Map<number, IrcClient>();
const counters: Counters = { delivered: 0, presence: 0, notices: 0, byes: 0, closedUnexpectedly: 0 };
let onDelivery: ((body: string, from: string, receivedAt: number) => void) | undefined;

function ircNick(index: number): string {
  return `b${index}`;
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error as Error).message.slice(0, 60);
}

async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>, progress?: (done: number) => void) {
  const errors: Record<string, number> = {};
  let next = 0;
  let done = 0;
  let failed = 0;
  const lane = async () => {
    while (next < items.length) {
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

const rpc = serve({
  init(args: { port: number; fingerprint256: string }) {
    port = args.port;
    fingerprint256 = args.fingerprint256;
    return null;
  },

  async open(args: { clients: Array<{ index: number }>; concurrency: number }) {
    const started = performance.now();
    let lastProgress = 0;
    const result = await pool(
      args.clients,
      args.concurrency,
      async ({ index }) => {
        const client = await IrcClient.open({ port, localAddress: loopbackAddress(index), fingerprint256, nick: ircNick(index) });
        client.onPrivmsg = (message) => {
          counters.delivered++;
          onDelivery?.(message.text, message.from, wallClockMs());
        };
        client.onOther = (command) => {
          if (command === 'JOIN' || command === 'PART' || command === 'QUIT') counters.presence++;
        };
        client.onClose = () => {
          if (clients.get(index) === client) {
            clients.delete(index);
            counters.closedUnexpectedly++;
          }
        };
        clients.set(index, client);
      },
      (done) => {
        if (performance.now() - lastProgress > 500) {
          lastProgress = performance.now();
          rpc.emit('progress', { done });
        }
      },
    );
    return { ...result, ms: performance.now() - started };
  },

  async join(args: { entries: Array<{ index: number; room: string }>; concurrency: number }) {
    const started = performance.now();
    const result = await pool(args.entries, args.concurrency, async ({ index, room }) => {
      const client = clients.get(index);
      if (!client) throw new Error(`client ${index} is not connected`);
      await client.join(`#${room}`);
    });
    return { ...result, ms: performance.now() - started };
  },

  async traffic(spec: TrafficSpec): Promise<TrafficResult> {
    return runTraffic(spec, {
      send: (index, room, body) => {
        const client = clients.get(index);
        if (!client) return Promise.reject(new Error(`client ${index} is not connected`));
        client.privmsg(`#${room}`, body);
        return Promise.resolve(); // IRC has no acknowledgement
      },
      errorCode,
      setDeliveryHandler: (handler) => {
        onDelivery = handler;
      },
      counters,
    });
  },

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
