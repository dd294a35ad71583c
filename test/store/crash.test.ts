// A real process, really killed (SIGKILL) while it appends and snapshots:
// every id it printed as acknowledged must be in the store afterwards.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { allMessageIds, openStore, withTempDir } from './helpers.ts';

const WRITER = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));
const RUNS = 5;

/** mulberry32: a small seeded PRNG, so the kill points are the same on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the writer until `killAfter` acknowledgements, SIGKILLs it, returns what it acknowledged. */
function runAndKill(dir: string, killAfter: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<number, string>();
    let buffered = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [id, body] = line.split(' ');
        if (line === 'ready' || !id || !body) continue;
        acked.set(Number(id), body);
        if (!killed && acked.size >= killAfter) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      // Lines already in the pipe when the kill landed were acknowledged too.
      for (const line of buffered.split('\n')) {
        const [id, body] = line.split(' ');
        if (id && body && line !== 'ready') acked.set(Number(id), body);
      }
      if (signal !== 'SIGKILL') reject(new Error(`writer exited (${code}) before the kill: ${stderr}`));
      else resolve(acked);
    });
  });
}

test(`SIGKILL during appends and snapshots loses no acknowledged message (${RUNS} runs, fixed seed)`, { timeout: 120_000 }, async () => {
  const random = prng(20_240_601);
  for (let run = 0; run < RUNS; run++) {
    await withTempDir(async (dir) => {
      let expected = new Map<number, string>();
      // Two kills into the same folder: the second run starts from a crash-recovered store.
      for (const round of [0, 1]) {
        const killAfter = 150 + Math.floor(random() * 300);
        const acked = await runAndKill(dir, killAfter);
        assert.ok(acked.size >= killAfter, `run ${run}.${round}: ${acked.size} acks`);
        expected = new Map([...expected, ...acked]);

        const store = await openStore(dir);
        const room = store.roomByKey('general');
        assert.ok(room);
        const rows = store.messagesAfter(room.id, 0, 1_000_000);
        const ids = allMessageIds(store, room.id);
        assert.equal(new Set(ids).size, ids.length, 'no duplicate ids');
        assert.equal(new Set(rows.map((r) => r.body)).size, rows.length, 'no message applied twice');
        const byId = new Map(rows.map((r) => [r.id, r.body]));
        for (const [id, body] of expected) assert.equal(byId.get(id), body, `run ${run}.${round}: acknowledged id ${id}`);
        assert.deepEqual(store.integrityCheck(), ['ok']);
        await store.close();
      }
    });
  }
});
