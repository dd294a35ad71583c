// What the server leaves behind: no secret in any log line, owner-only
// files, a refused start on a key file others can read, and a store fault
// that stops acknowledgements, is explained, and heals.

import assert from 'node:assert/strict';
import { chmodSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RequestError } from '../../src/net/errors.ts';
import { IDENTITY_FILE } from '../../src/server/identity.ts';
import { startServer } from '../../src/server/server.ts';
import { type StoreFileSystem, nodeFileSystem } from '../../src/server/store/index.ts';
import { startTestServer } from '../helpers/harness.ts';

const PASSWORD = 'Canary-Password-4711';
const BODY = 'canary message body 0815';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? [path, ...walk(path)] : [path];
  });
}

test('no password, token, key or message body reaches the log', async () => {
  const harness = await startTestServer();
  try {
    const alice = await harness.client();
    const start = await alice.register('alice', PASSWORD);
    await alice.send('general', BODY);
    const other = await harness.client();
    await other.login('alice', `${PASSWORD}-wrong`).catch(() => {});
    await other.login('nobody', PASSWORD).catch(() => {});
    await other.register('x', PASSWORD).catch(() => {});
    await other.resume(start.token);
    await alice.logout();
    const privateKey = (JSON.parse(readFileSync(join(harness.dataDir, IDENTITY_FILE), 'utf8')) as { privateKey: string }).privateKey;
    const text = JSON.stringify(harness.logs);
    assert.ok(harness.logs.length > 5, 'the scenario was logged');
    for (const secret of [PASSWORD, start.token, privateKey, BODY]) {
      assert.equal(text.includes(secret), false, `log must not contain ${secret.slice(0, 6)}…`);
    }
  } finally {
    await harness.cleanup();
  }
});

test('with --log-bodies the operator gets bodies, still no secrets', async () => {
  const harness = await startTestServer({ logBodies: true });
  try {
    const alice = await harness.client();
    const start = await alice.register('alice', PASSWORD);
    await alice.send('general', BODY);
    const text = JSON.stringify(harness.logs);
    assert.ok(text.includes(BODY));
    assert.equal(text.includes(PASSWORD), false);
    assert.equal(text.includes(start.token), false);
  } finally {
    await harness.cleanup();
  }
});

test('every file the server creates is owner-only; a key file others can read is refused', async () => {
  const harness = await startTestServer();
  const alice = await harness.client();
  await alice.register('alice', PASSWORD);
  await harness.server.stop();
  for (const path of [harness.dataDir, ...walk(harness.dataDir)]) {
    const mode = statSync(path).mode & 0o777;
    assert.equal(mode & 0o077, 0, `${path} has mode ${mode.toString(8)}`);
  }
  const keyFile = join(harness.dataDir, IDENTITY_FILE);
  chmodSync(keyFile, 0o644);
  await assert.rejects(
    startServer({ host: '127.0.0.1', port: 0, dataDir: harness.dataDir, log: () => {} }),
    (error: Error) => error.message.includes(keyFile) && error.message.includes(`chmod 600 ${keyFile}`),
  );
  chmodSync(keyFile, 0o600);
  await harness.cleanup();
});

test('a second server on the same data folder is refused', async () => {
  const harness = await startTestServer();
  try {
    await assert.rejects(
      startServer({ host: '127.0.0.1', port: 0, dataDir: harness.dataDir, log: () => {} }),
      // Within one process the message says so; from another it names the owner's pid.
      /already runs a server on/,
    );
  } finally {
    await harness.cleanup();
  }
});

test('a failing fsync stops acknowledgements with a reason; they resume when the disk is back', async () => {
  let failing = false;
  const faultyFs: StoreFileSystem = {
    ...nodeFileSystem,
    async open(path, mode, fileMode) {
      const file = await nodeFileSystem.open(path, mode, fileMode);
      const check = () => {
        if (failing) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
      };
      return {
        ...file,
        datasync: async () => (check(), file.datasync()),
        sync: async () => (check(), file.sync()),
      };
    },
  };
  const harness = await startTestServer({ storeFileSystem: faultyFs });
  try {
    const alice = await harness.client();
    await alice.register('alice', PASSWORD);
    const kept = await alice.send('general', 'before the fault');
    failing = true;
    const refused = await alice.send('general', 'during the fault').catch((e: unknown) => e);
    assert.ok(refused instanceof RequestError && refused.code === 'store_unavailable', String(refused));
    assert.match(refused.message, /nothing was saved/);
    failing = false;
    // The store heals in the background; then lines are acknowledged again.
    let healed: unknown;
    for (let i = 0; i < 50 && healed === undefined; i++) {
      healed = await alice.send('general', 'after the fault').catch(() => undefined);
      if (healed === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(healed, 'acknowledged again once the disk works');
    await harness.restart();
    const again = await harness.client();
    const start = await again.login('alice', PASSWORD);
    const bodies = start.history.general!.map((m) => m.body);
    assert.ok(bodies.includes(kept.body) && bodies.includes('after the fault'));
  } finally {
    await harness.cleanup();
  }
});
