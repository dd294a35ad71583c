// kill -9 of a real server process in the middle of a stream of acknowledged
// messages, registrations and snapshots, many times over with a fixed seed:
// after each restart every acknowledged record is there exactly once and the
// database passes SQLite's integrity check.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ChatClient } from '../../src/net/client.ts';
import { startServer } from '../../src/server/server.ts';
import { SqlJsStore } from '../../src/server/store/index.ts';
import { tempDir } from '../helpers/harness.ts';

const PASSWORD = 'correct horse battery';
const ROUNDS = 5;

/** mulberry32: a small seeded generator, so a failing kill point can be replayed. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function startServerProcess(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/server-process.ts'], {
    env: { ...process.env, SECURECHAT_TEST_SERVER: JSON.stringify({ dataDir, snapshotEveryRecords: 40, messageRate: { burst: 1000, perSecond: 1000 } }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
  return { child, port };
}

test(`SIGKILL at ${ROUNDS} seeded points loses no acknowledged message or account`, { timeout: 180_000 }, async () => {
  const random = seeded(20261203);
  const root = tempDir();
  const dataDir = join(root, 'server');
  const ackedBodies = new Set<string>();
  const ackedUsers = new Set<string>(['writer']);

  for (let round = 0; round < ROUNDS; round++) {
    const { child, port } = await startServerProcess(dataDir);
    const connect = async () => {
      const client = new ChatClient({ host: '127.0.0.1', port, knownServersFile: join(root, `pins-${round}.json`), autoReconnect: false });
      client.on('error', () => {});
      await client.connect();
      return client;
    };
    if (round === 0) {
      await assert.rejects(
        startServer({ host: '127.0.0.1', port: 0, dataDir, log: () => {} }),
        new RegExp(`another securechat server \\(pid ${child.pid}\\) is using`),
      );
    }
    const writer = await connect();
    if (round === 0) await writer.register('writer', PASSWORD);
    else await writer.login('writer', PASSWORD);
    const registrar = await connect();

    let stop = false;
    const sending = (async () => {
      // Stops when the server is gone (a closed client fails at once, which would spin).
      for (let i = 0; !stop && writer.state === 'connected'; i++) {
        // Ten in flight at a time, so that group commits hold several records.
        const batch = Array.from({ length: 10 }, (_, j) => `round ${round} line ${i * 10 + j}`);
        await Promise.all(
          batch.map((body) => writer.send('general', body).then(() => ackedBodies.add(body), () => {})),
        );
      }
    })().catch(() => {});
    const registering = (async () => {
      for (let i = 0; !stop && registrar.state === 'connected'; i++) {
        const name = `user-${round}-${i}`;
        await registrar.register(name, PASSWORD).then(() => ackedUsers.add(name), () => {});
        await registrar.logout().catch(() => {});
      }
    })().catch(() => {});

    // Kill only once this round has an acknowledged registration (scrypt is slow on a loaded machine), then at a seeded moment.
    const usersBefore = ackedUsers.size;
    for (let waited = 0; ackedUsers.size === usersBefore && waited < 30_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 200 + random() * 1500));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    stop = true;
    writer.close();
    registrar.close();
    await Promise.all([sending, registering]);

    const store = await SqlJsStore.open({ dir: join(dataDir, 'store'), log: () => {} });
    try {
      assert.deepEqual(store.integrityCheck(), ['ok']);
      const general = store.roomByKey('general')!;
      const bodies = store.messagesAfter(general.id, 0, 1_000_000).map((m) => m.body);
      const counts = new Map<string, number>();
      for (const body of bodies) counts.set(body, (counts.get(body) ?? 0) + 1);
      for (const body of ackedBodies) assert.equal(counts.get(body), 1, `round ${round}: "${body}" kept once`);
      assert.ok([...counts.values()].every((n) => n === 1), `round ${round}: no duplicates`);
      for (const name of ackedUsers) assert.ok(store.userByKey(name), `round ${round}: account ${name} kept`);
    } finally {
      await store.close();
    }
  }
  assert.ok(ackedBodies.size > 100, `enough traffic to mean something (${ackedBodies.size} lines)`);
  assert.ok(ackedUsers.size > 3, `some registrations were acknowledged (${ackedUsers.size})`);
});
