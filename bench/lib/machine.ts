// What the figures were measured on: machine, Node, commit.

import { execFileSync } from 'node:child_process';
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
