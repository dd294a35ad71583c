import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { LATEST_SCHEMA_VERSION, migrate, migrations, schemaVersion } from '../../src/server/store/migrations.ts';
import { writeSnapshot } from '../../src/server/store/snapshot.ts';
import { newDatabase } from '../../src/server/store/sqljs.ts';
import { nodeFileSystem } from '../../src/server/store/store-fs.ts';
import { openStore, withTempDir } from './helpers.ts';

test('migrations are numbered 1..n with no gaps', () => {
  assert.deepEqual(migrations.map((m) => m.version), migrations.map((_, i) => i + 1));
  assert.ok(LATEST_SCHEMA_VERSION >= 2, 'there is an upgrade to test');
});

test('a frozen version-1 database is upgraded at open, its data intact', async () => {
  await withTempDir(async (dir) => {
    // Build the old store exactly as version 1 of the schema left it.
    const old = await newDatabase();
    assert.deepEqual(migrate(old, 1), [1]);
    assert.equal(schemaVersion(old), 1);
    old.run("INSERT INTO users VALUES (1, 'Ann', 'ann', 'h', 10)");
    old.run("INSERT INTO rooms VALUES (1, 'general', 'general', 11)");
    old.run('INSERT INTO members VALUES (1, 1)');
    old.run("INSERT INTO sessions VALUES ('tok', 1, 12, 99)");
    old.run("INSERT INTO messages VALUES (7, 1, 1, 'from v1', 13)");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeSnapshot(nodeFileSystem, dir, old.export(), 0);
    old.close();

    const opening = openStore(dir);
    const store = await opening;
    assert.equal(store.schemaVersion(), LATEST_SCHEMA_VERSION);
    const applied = opening.logs.find((l) => l.event === 'migrations_applied');
    assert.deepEqual(applied?.fields.versions, migrations.slice(1).map((m) => m.version));
    assert.equal(store.userByKey('ann')?.name, 'Ann');
    assert.deepEqual(store.roomsOfUser(1).map((r) => r.nameKey), ['general']);
    assert.equal(store.sessionByTokenHash('tok')?.expiresAt, 99);
    assert.equal(await store.deleteExpiredSessions(100), 1);
    assert.deepEqual(store.messagesBefore(1, undefined, 10).map((m) => m.body), ['from v1']);
    const next = await store.appendMessage({ roomId: 1, userId: 1, body: 'from v2', sentAt: 14 });
    assert.equal(next.id, 8);
    assert.deepEqual(store.integrityCheck(), ['ok']);
    await store.close();

    // The upgrade is on disk now: a second open applies nothing.
    const again = openStore(dir);
    const reopened = await again;
    assert.equal(reopened.schemaVersion(), LATEST_SCHEMA_VERSION);
    assert.ok(!again.logs.some((l) => l.event === 'migrations_applied'));
    assert.equal(reopened.messageCount(), 2);
    await reopened.close();
  });
});

test('a database newer than this program is refused, not downgraded', async () => {
  await withTempDir(async (dir) => {
    const db = await newDatabase();
    migrate(db);
    db.run("INSERT INTO schema_version VALUES (999, 'from the future')");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeSnapshot(nodeFileSystem, dir, db.export(), 0);
    db.close();
    await assert.rejects(openStore(dir), /newer than this program/);
  });
});
