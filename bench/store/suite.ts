// The store's figures, measured on SqlJsStore directly in processes of their
// own: durable messages per second with group commit; a history of N
// messages, the start-up time with it (the store alone, and the whole server
// process), and the time of a history page of 50.

import { join } from 'node:path';
import { Histogram } from '../lib/histogram.ts';
import { progress } from '../lib/progress.ts';
import { Recorder } from '../lib/metrics.ts';
import type { Row } from '../lib/report.ts';
import { forkTs } from '../lib/rpc.ts';
import type { Sizes } from '../sizes.ts';
import { startServerProcess } from '../ours/suite.ts';

const SECTION = 'store';
const here = (file: string) => new URL(file, import.meta.url).pathname;

export async function runStore(ctx: { root: string; sizes: Sizes; rows: Row[]; details: Record<string, unknown> }): Promise<void> {
  const { sizes, rows } = ctx;
  const record = new Recorder(rows, sizes);
  const worker = forkTs(here('./store-process.ts'), {
    name: 'store worker',
    execArgv: ['--max-old-space-size=8192'],
    onEvent: (_name, data) => progress(SECTION, `built ${(data as { done: number }).done.toLocaleString('en-US')} messages`),
  });
  try {
    progress(SECTION, `durable appends for ${sizes.durableSeconds} s (256 concurrent writers, group commit)`);
    const durable = await worker.call<{ perSecond: number; recordsPerSync: number; syncs: number; latency: ReturnType<Histogram['toJSON']> }>('durable', {
      dir: join(ctx.root, 'store-durable'),
      writers: 256,
      seconds: sizes.durableSeconds,
    });
    const appendLatency = Histogram.fromJSON(durable.latency);
    progress(SECTION, `${Math.round(durable.perSecond)} durable messages/s, ${durable.recordsPerSync.toFixed(0)} records per fsync`);
    ctx.details.durable = { ...durable, latency: { p50: appendLatency.percentile(0.5), p99: appendLatency.percentile(0.99) } };
    record.set('store.durable', 'ours', durable.perSecond, `${durable.recordsPerSync.toFixed(0)} per fsync`);

    const dir = join(ctx.root, 'store-history', 'server');
    progress(SECTION, `building a store with ${sizes.storeMessages.toLocaleString('en-US')} messages`);
    const built = await worker.call<{ ms: number; snapshotBytes: number }>('build', { dir: join(dir, 'store'), messages: sizes.storeMessages, rooms: 100 });
    progress(SECTION, `built in ${(built.ms / 1000).toFixed(1)} s (${(built.snapshotBytes / 1024 / 1024).toFixed(0)} MiB snapshot)`);
    await worker.stop();

    // A fresh process for the reading side, as a server start would be.
    const reader = forkTs(here('./store-process.ts'), { name: 'store reader', execArgv: ['--max-old-space-size=8192'] });
    let paged;
    try {
      paged = await reader.call<{ openMs: number; messages: number; latency: ReturnType<Histogram['toJSON']> }>('openAndPage', {
        dir: join(dir, 'store'),
        samples: sizes.historySamples * 5,
        limit: 50,
      });
    } finally {
      await reader.stop();
    }
    const page = Histogram.fromJSON(paged.latency);
    const server = await startServerProcess(dir);
    await server.peer.call('stop');
    await server.peer.stop();
    progress(SECTION, `store opens in ${paged.openMs.toFixed(0)} ms; server process ready in ${server.wallMs.toFixed(0)} ms; history page p99 ${page.percentile(0.99).toFixed(3)} ms`);
    ctx.details.history = { built, openMs: paged.openMs, serverStartMs: server.wallMs, pageP50: page.percentile(0.5), pageP99: page.percentile(0.99), samples: page.count };
    record.set('store.open', 'ours', paged.openMs);
    record.set('store.server.start', 'ours', server.wallMs);
    record.set('store.page.p99', 'ours', page.percentile(0.99));
  } finally {
    await worker.stop();
  }
}
