// Summarises a V8 .cpuprofile (from `node --cpu-prof`, or bench/run.ts --profile): the functions with
// the most self time, and the most total time, as text.
// Usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [TOP]

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileLine {
  name: string;
  selfMs: number;
  totalMs: number;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url === '' ? '' : relative(process.cwd(), url.replace(/^file:\/\//, ''));
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

export function summariseProfile(file: string): { totalMs: number; idleMs: number; lines: ProfileLine[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0));
  }
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let idleUs = 0;
  let allUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    allUs += us;
    const name = label(node);
    if (node.callFrame.functionName === '(idle)') idleUs += us;
    self.set(name, (self.get(name) ?? 0) + us);
    // Inclusive time: each distinct function on the stack once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = label(byId.get(at)!);
      if (seen.has(frame)) continue;
      seen.add(frame);
      total.set(frame, (total.get(frame) ?? 0) + us);
    }
  }
  const lines = [...self.keys()].map((name) => ({ name, selfMs: (self.get(name) ?? 0) / 1000, totalMs: (total.get(name) ?? 0) / 1000 }));
  return { totalMs: allUs / 1000, idleMs: idleUs / 1000, lines };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, 'bench/'))) {
  const file = process.argv[2];
  const top = Number(process.argv[3] ?? 25);
  if (!file) {
    process.stderr.write('usage: profile-summary.ts FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  const { totalMs, idleMs, lines } = summariseProfile(file);
  const busy = totalMs - idleMs;
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1).padStart(5)} %`;
  process.stdout.write(`${file}: ${(totalMs / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy\n\nSelf time (share of busy time):\n`);
  for (const line of [...lines].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) {
    process.stdout.write(`${pct(line.selfMs)}  ${line.name}\n`);
  }
  process.stdout.write('\nTotal time (function and what it calls):\n');
  for (const line of [...lines].sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) {
    process.stdout.write(`${pct(line.totalMs)}  ${line.name}\n`);
  }
}
