// `npm run fuzz`: the property suites of test/fuzz (*.fuzz.test.ts) as a
// longer campaign: every property with many more runs than in `npm test`
// and a fresh random seed per property and round. Prints what was covered
// (properties, runs, seeds, time) and, for a failure, how to replay it.
//
//   npm run fuzz                          scale 20, one round
//   npm run fuzz -- --scale 100 --rounds 3
//   npm run fuzz -- --minutes 30          rounds until the time is up
//   npm run fuzz -- --seed 1234 handshake replay one seed on the files matching "handshake"
//
// The deterministic suites beside them (text, BLNS, regressions) run in `npm test`.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function usage(message) {
  if (message) console.error(message);
  console.error('usage: npm run fuzz -- [--scale N] [--rounds N | --minutes M] [--seed S] [file filter ...]');
  process.exit(2);
}

function positiveInt(name, raw) {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) usage(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  return value;
}

const options = { scale: 20, rounds: undefined, minutes: undefined, seed: undefined, filters: [] };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const value = () => (i + 1 < args.length ? args[++i] : usage(`${arg} needs a value`));
  if (arg === '--scale') options.scale = Math.max(1, positiveInt('--scale', value()));
  else if (arg === '--rounds') options.rounds = Math.max(1, positiveInt('--rounds', value()));
  else if (arg === '--minutes') options.minutes = positiveInt('--minutes', value());
  else if (arg === '--seed') options.seed = positiveInt('--seed', value());
  else if (arg === '--help' || arg === '-h') usage();
  else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
  else options.filters.push(arg);
}
if (options.rounds !== undefined && options.minutes !== undefined) usage('give --rounds or --minutes, not both');

const files = readdirSync('test/fuzz')
  .filter((name) => name.endsWith('.fuzz.test.ts'))
  .filter((name) => options.filters.length === 0 || options.filters.some((filter) => name.includes(filter)))
  .sort()
  .map((name) => join('test/fuzz', name));
if (files.length === 0) usage('no property suite matches');

const dir = mkdtempSync(join(tmpdir(), 'securechat-fuzz-'));
const reportFile = join(dir, 'report.jsonl');
const deadline = options.minutes === undefined ? undefined : Date.now() + options.minutes * 60_000;
const maxRounds = options.rounds ?? (deadline === undefined ? 1 : Infinity);
const started = Date.now();
let rounds = 0;
let status = 0;

while (rounds < maxRounds && (deadline === undefined || rounds === 0 || Date.now() < deadline)) {
  rounds++;
  console.log(`\n== round ${rounds}: ${files.length} suites, runs ×${options.scale}${options.seed === undefined ? ', random seeds' : `, seed ${options.seed}`}\n`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        SECURECHAT_FUZZ_SCALE: String(options.scale),
        SECURECHAT_FUZZ_REPORT: reportFile,
        ...(options.seed === undefined ? {} : { SECURECHAT_FUZZ_SEED: String(options.seed) }),
      },
    },
  );
  if (result.status !== 0) status = result.status ?? 1;
  if (options.seed !== undefined) break; // a replay is the same every time
}

let lines = [];
try {
  lines = readFileSync(reportFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
} catch {
  // no property ran to its end (e.g. the suite failed to load): the test output above says why
}
rmSync(dir, { recursive: true, force: true });

const byProperty = new Map();
for (const line of lines) {
  const entry = byProperty.get(line.property) ?? { runs: 0, checks: 0, ms: 0, seeds: [], failures: [] };
  entry.runs += line.runs;
  entry.checks += 1;
  entry.ms += line.ms;
  entry.seeds.push(line.seed);
  if (line.failed) entry.failures.push(line);
  byProperty.set(line.property, entry);
}

const width = Math.max(8, ...[...byProperty.keys()].map((name) => name.length));
console.log(`\n== fuzz campaign: ${rounds} round(s), ${files.length} suites, scale ×${options.scale}, ${Math.round((Date.now() - started) / 1000)} s\n`);
console.log(`${'property'.padEnd(width)}  ${'runs'.padStart(9)}  ${'time'.padStart(7)}  result  seeds`);
let totalRuns = 0;
let failures = 0;
for (const [name, entry] of [...byProperty].sort(([a], [b]) => a.localeCompare(b))) {
  totalRuns += entry.runs;
  failures += entry.failures.length;
  const seeds = entry.seeds.length > 4 ? `${entry.seeds.slice(0, 4).join(', ')} … (${entry.seeds.length})` : entry.seeds.join(', ');
  console.log(
    `${name.padEnd(width)}  ${String(entry.runs).padStart(9)}  ${`${(entry.ms / 1000).toFixed(1)} s`.padStart(7)}  ${entry.failures.length ? 'FAILED' : 'ok    '}  ${seeds}`,
  );
}
console.log(`\n${byProperty.size} properties, ${totalRuns} runs, ${failures} failure(s)`);
for (const [name, entry] of byProperty) {
  for (const failure of entry.failures) {
    const file = files.find((f) => f.includes(name.split(':')[0].split(' ')[0])) ?? '';
    console.log(`\nFAILED ${name} (seed ${failure.seed}):\n${failure.error ?? ''}`);
    console.log(`replay: npm run fuzz -- --seed ${failure.seed} --scale ${options.scale} ${file.replace('test/fuzz/', '').replace('.fuzz.test.ts', '')}`);
  }
}
if (status !== 0 && failures === 0) console.log('\nA suite failed outside a property (see the output above).');
process.exit(status !== 0 || failures > 0 ? 1 : 0);
