// How every property of test/fuzz runs: with a fixed seed and a bounded
// number of runs inside `npm test`, or as a longer campaign (scripts/fuzz.mjs)
// with many more runs and fresh random seeds. Each check appends one line to
// the campaign's report, so that the script can print what was covered.
//
// Environment (set by scripts/fuzz.mjs; unset in `npm test`):
//   SECURECHAT_FUZZ_SCALE   multiply every property's run count (campaign)
//   SECURECHAT_FUZZ_SEED    use this seed for every property (replaying a failure)
//   SECURECHAT_FUZZ_REPORT  append one JSON line per check to this file

import { appendFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import fc from 'fast-check';

export interface FuzzReportLine {
  property: string;
  runs: number;
  seed: number;
  failed: boolean;
  ms: number;
  /** For a failure: fast-check's report (counterexample, seed and path). */
  error?: string;
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return value;
}

/** True inside `npm run fuzz`. */
export const campaign = envNumber('SECURECHAT_FUZZ_SCALE') !== undefined;
const scale = Math.max(1, envNumber('SECURECHAT_FUZZ_SCALE') ?? 1);
const replaySeed = envNumber('SECURECHAT_FUZZ_SEED');

/** The run count for a property: `base` in `npm test`, `base × scale` in a campaign. */
export function runsFor(base: number): number {
  return base * scale;
}

/** The seed for one check: fixed in `npm test`, fresh in a campaign unless one is being replayed. */
export function seedFor(fixedSeed: number): number {
  if (replaySeed !== undefined) return replaySeed;
  return campaign ? randomInt(0x7fffffff) : fixedSeed;
}

export function report(line: FuzzReportLine): void {
  const file = process.env.SECURECHAT_FUZZ_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(line)}\n`);
}

type AnyProperty<Ts> = fc.IProperty<Ts> | fc.IAsyncProperty<Ts>;

/**
 * Runs a property (sync or async) and fails the test with fast-check's
 * report, which names the seed and path that replay the counterexample.
 */
export async function checkProperty<Ts>(
  name: string,
  property: AnyProperty<Ts>,
  options: { runs: number; seed: number; extra?: Omit<fc.Parameters<Ts>, 'seed' | 'numRuns'> },
): Promise<void> {
  const seed = seedFor(options.seed);
  const numRuns = runsFor(options.runs);
  const started = performance.now();
  const details = await fc.check(property, { includeErrorInReport: true, ...options.extra, seed, numRuns });
  const ms = Math.round(performance.now() - started);
  const error = details.failed ? fc.defaultReportMessage(details) : undefined;
  report({ property: name, runs: details.numRuns, seed, failed: details.failed, ms, ...(error ? { error } : {}) });
  if (details.failed) throw new Error(`${name}: ${error ?? 'failed'}`);
}

/** A non-property check (e.g. a sampled batch) reported like one. */
export async function reportBatch(name: string, runs: number, seed: number, body: () => Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await body();
  } catch (error) {
    const ms = Math.round(performance.now() - started);
    report({ property: name, runs, seed, failed: true, ms, error: String((error as Error).stack ?? error) });
    throw error;
  }
  report({ property: name, runs, seed, failed: false, ms: Math.round(performance.now() - started) });
}
