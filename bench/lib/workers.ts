// A set of load-generator processes, with clients spread over them by index
// (client n lives in worker n mod W), and calls fanned out to all of them.

import { forkTs, type Peer } from './rpc.ts';

export class Workers {
  readonly peers: Peer[];

  constructor(module: string, count: number, name: string, onProgress?: (worker: number, data: unknown) => void) {
    this.peers = Array.from({ length: count }, (_, i) =>
      forkTs(module, {
        name: `${name} worker ${i}`,
        execArgv: ['--max-old-space-size=4096', ...(process.env.BENCH_WORKER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROF}`] : [])],
        onEvent: (event, data) => {
          if (event === 'progress') onProgress?.(i, data);
        },
      }),
    );
  }

  get size(): number {
    return this.peers.length;
  }

  workerOf(index: number): number {
    return index % this.peers.length;
  }

  /** Splits `items` by the worker that owns each (by `indexOf`), and calls `method` on each worker with its share. */
  async byClient<T, R>(method: string, items: T[], indexOf: (item: T) => number, args: (share: T[]) => unknown): Promise<R[]> {
    const shares: T[][] = this.peers.map(() => []);
    for (const item of items) shares[this.workerOf(indexOf(item))]!.push(item);
    return Promise.all(this.peers.map((peer, i) => peer.call<R>(method, args(shares[i]!))));
  }

  all<R>(method: string, args: unknown = {}): Promise<R[]> {
    return Promise.all(this.peers.map((peer) => peer.call<R>(method, args)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.peers.map((peer) => peer.stop()));
  }
}

export function sumErrors(results: Array<{ errors?: Record<string, number>; sendErrors?: Record<string, number> }>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const result of results) {
    for (const [code, count] of Object.entries(result.errors ?? result.sendErrors ?? {})) total[code] = (total[code] ?? 0) + count;
  }
  return total;
}
