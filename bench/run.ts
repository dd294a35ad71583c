// `npm run bench`: the benchmark suite (see bench/README.md).
//
//   npm run bench                      full sizes, about ten minutes on 2 cores
//   npm run bench -- --quick           the same shapes, small, about a minute
//   npm run bench -- --soak 600        soak seconds (default 30 full, 5 quick, to fit the budget)
//   npm run bench -- --skip-peer       securechat only (no InspIRCd)
//   npm run bench -- --only store,securechat,peer
//   npm run bench -- --profile [--profile-seconds 20] [--profile-offered 20000] [--profile-scenario one|rooms|latency]
//                                      CPU profile of the server under fan-out (one room, or the many rooms)
//
// Prints a table, shows progress on standard error, and writes
// bench/results/<timestamp>.json with the machine, Node version and commit.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inspircdMissing } from './irc/inspircd.ts';
import { runPeer } from './irc/suite.ts';
import { machineInfo, pressure, stallShares } from './lib/machine.ts';
import { elapsed, progress } from './lib/progress.ts';
import { formatTable, met, ratio, type Row } from './lib/report.ts';
import { type ProfileScenario, runOurs } from './ours/suite.ts';
import { summariseProfile } from './profile-summary.ts';
import { FULL, QUICK, type Sizes } from './sizes.ts';
import { runStore } from './store/suite.ts';

const repo = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const PEER = 'InspIRCd';

function parse() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      soak: { type: 'string' },
      'skip-peer': { type: 'boolean' },
      only: { type: 'string' },
      profile: { type: 'boolean' },
      'profile-seconds': { type: 'string' },
      'profile-offered': { type: 'string' },
      'profile-scenario': { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  return values;
}

async function main(): Promise<number> {
  const args = parse();
  if (args.help) {
    process.stdout.write(readHeader());
    return 0;
  }
  const sizes: Sizes = { ...(args.quick ? QUICK : FULL) };
  if (args.soak !== undefined) {
    const soak = Number(args.soak);
    if (!Number.isFinite(soak) || soak <= 0) throw new Error('--soak takes a number of seconds');
    sizes.soakSeconds = soak;
  }
  const only = new Set((args.only ?? 'store,securechat,peer').split(',').map((part) => part.trim()));
  const root = mkdtempSync(join(tmpdir(), 'securechat-bench-'));
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  const machine = machineInfo();
  const started = new Date();
  progress('bench', `${sizes.mode} run on ${machine.cpus}× ${machine.cpuModel}, Node ${machine.node}, commit ${machine.commit.slice(0, 12)}${machine.dirty ? ' (with uncommitted changes)' : ''}; work folder ${root}`);

  let failure: unknown;
  try {
    if (args.profile) {
      const scenario = args['profile-scenario'] ?? 'one';
      if (scenario !== 'one' && scenario !== 'rooms' && scenario !== 'latency') throw new Error('--profile-scenario is one, rooms or latency');
      await profile(root, sizes, rows, details, Number(args['profile-seconds'] ?? 20), Number(args['profile-offered'] ?? 20_000), scenario);
    } else {
      // The machine is shared: the load average beside each part says how much of it the run had.
      const load: Record<string, number[]> = { start: loadavg() };
      details.loadAverage = load;
      // Pressure stall information: how much of each part other processes kept us waiting for a CPU or the disk.
      const stalls: Record<string, { cpu: number; io: number }> = {};
      details.stalls = stalls;
      let mark = pressure();
      const part = (name: string) => {
        const now = pressure();
        stalls[name] = stallShares(mark, now);
        load[`after ${name}`] = loadavg();
        mark = now;
      };
      if (only.has('store')) await runStore({ root, sizes, rows, details });
      part('store');
      if (only.has('securechat')) await runOurs({ root, repo, sizes, rows, details });
      part('securechat');
      if (only.has('peer') && !args['skip-peer']) {
        const missing = inspircdMissing();
        if (missing) {
          progress('inspircd', `skipped: ${missing}`);
          details.peerSkipped = missing;
        } else {
          await runPeer({ root, sizes, rows, details });
        }
      }
      part('peer');
    }
  } catch (error) {
    failure = error;
    progress('bench', `FAILED: ${(error as Error).stack ?? String(error)}`);
  } finally {
    if (!args.keep) rmSync(root, { recursive: true, force: true });
  }

  const table = formatTable(rows, PEER);
  const load = details.loadAverage as Record<string, number[]> | undefined;
  const stalls = details.stalls as Record<string, { cpu: number; io: number }> | undefined;
  const pct = (share: number) => (Number.isNaN(share) ? '?' : `${Math.round(100 * share)} %`);
  const loadText =
    (load ? `; 1-minute load average ${Object.values(load).map((l) => l[0]!.toFixed(1)).join(' → ')} on ${machine.cpus} cores` : '') +
    (stalls ? `; waiting for a CPU / for I/O: ${Object.entries(stalls).map(([name, s]) => `${name} ${pct(s.cpu)} / ${pct(s.io)}`).join(', ')}` : '');
  process.stdout.write(`\nsecurechat benchmark, ${sizes.mode} run, ${started.toISOString()} (${elapsed()} min:s${loadText})\n\n${table}\n\n`);
  const resultsDir = join(repo, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${started.toISOString().replace(/[:.]/g, '-')}${args.quick ? '-quick' : ''}${args.profile ? '-profile' : ''}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        mode: sizes.mode,
        started: started.toISOString(),
        durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
        machine,
        sizes,
        failed: failure === undefined ? false : String((failure as Error).message ?? failure),
        rows: rows.map((row) => ({ ...row, ratio: ratio(row), met: met(row) })),
        table,
        details,
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`results: ${file}\n`);
  return failure === undefined ? 0 : 1;
}

async function profile(
  root: string,
  sizes: Sizes,
  rows: Row[],
  details: Record<string, unknown>,
  seconds: number,
  offered: number,
  scenario: ProfileScenario,
): Promise<void> {
  const main = join(repo, 'bench', 'results', `server-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile.json`);
  mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
  await runOurs({ root, repo, sizes, rows, details, profileOnly: { offered, seconds, scenario, file: main } });
  const { totalMs, idleMs, lines } = summariseProfile(main);
  const busy = totalMs - idleMs;
  const top = lines.filter((line) => line.name !== '(idle)').sort((a, b) => b.selfMs - a.selfMs).slice(0, 25);
  details.profile = { busyMs: busy, totalMs, top: top.map((line) => ({ ...line, share: line.selfMs / busy })) };
  process.stdout.write(`\nServer CPU profile (${(busy / 1000).toFixed(1)} s busy of ${(totalMs / 1000).toFixed(1)} s), self time:\n`);
  for (const line of top) process.stdout.write(`${((100 * line.selfMs) / busy).toFixed(1).padStart(5)} %  ${line.name}\n`);
  process.stdout.write(`profile: ${main} (open in Chrome DevTools, Performance tab)\n`);
}

function readHeader(): string {
  const text = readFileSync(new URL(import.meta.url), 'utf8');
  const header: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('//')) break;
    header.push(line.replace(/^\/\/ ?/, ''));
  }
  return header.join('\n') + '\n';
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  },
);
