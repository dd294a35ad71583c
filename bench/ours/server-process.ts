// The securechat server in a process of its own, for the benchmarks: started
// with startServer (the same code `securechat server` runs), on 127.0.0.1 and
// a free port, with the server's default limits unless the harness passes
// others (it does not: see README.md). Reports its port, start-up time, RSS
// and CPU over IPC, and counts log events so that errors show in the report.
// `profileStart`/`profileStop` record a V8 CPU profile of just the window
// between them (node:inspector, the profiler --cpu-prof uses), so a profile of
// the fan-out is not diluted by the connection ramp before it.

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { serve } from '../lib/rpc.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: server-process.ts DATA_DIR');

const events = new Map<string, number>();
let server: RunningServer | undefined;
let profiler: Session | undefined;

const started = performance.now();
serve({
  async start() {
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      dataDir,
      log: (event) => events.set(event, (events.get(event) ?? 0) + 1),
    });
    return { port: server.port, fingerprint: server.fingerprint, startMs: performance.now() - started };
  },
  stats() {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      external: memory.external,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      ...(server ? server.stats() : { connections: 0, online: 0 }),
      events: Object.fromEntries(events),
    };
  },
  gc() {
    (globalThis as { gc?: () => void }).gc?.();
    return null;
  },
  async profileStart() {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
    return null;
  },
  async profileStop(args: { file: string }) {
    if (!profiler) throw new Error('no profile running');
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(args.file, JSON.stringify(profile));
    profiler.disconnect();
    profiler = undefined;
    return null;
  },
  async stop() {
    await server?.stop('benchmark finished');
    server = undefined;
    return null;
  },
});
