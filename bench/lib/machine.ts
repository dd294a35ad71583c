// What the figures were measured on: machine, Node, commit.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, freemem, hostname, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  hostname: string;
  kernel: string;
  cpuModel: string;
  cpus: number;
  memoryBytes: number;
  freeMemoryBytes: number;
  loadAverage: number[];
  node: string;
  openssl: string;
  commit: string;
  dirty: boolean;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    hostname: hostname(),
    kernel: release(),
    cpuModel: list[0]?.model ?? 'unknown',
    cpus: list.length,
    memoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
    loadAverage: loadavg(),
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    commit: git(['rev-parse', 'HEAD']),
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
  };
}

/** Pressure stall totals (µs) from /proc/pressure (Linux PSI): time some task waited for a CPU, or for I/O. */
export interface Pressure {
  at: number;
  cpuSome: number;
  ioSome: number;
  ioFull: number;
}

function stallTotal(resource: string, kind: 'some' | 'full'): number {
  try {
    const line = readFileSync(`/proc/pressure/${resource}`, 'utf8').split('\n').find((l) => l.startsWith(kind));
    return Number(/total=(\d+)/.exec(line ?? '')?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

export function pressure(): Pressure {
  return { at: performance.now(), cpuSome: stallTotal('cpu', 'some'), ioSome: stallTotal('io', 'some'), ioFull: stallTotal('io', 'full') };
}

/** Share of the wall time between two readings during which some task waited for a CPU / for I/O (0..1). */
export function stallShares(from: Pressure, to: Pressure): { cpu: number; io: number } {
  const wallUs = (to.at - from.at) * 1000;
  return { cpu: (to.cpuSome - from.cpuSome) / wallUs, io: (to.ioSome - from.ioSome) / wallUs };
}
