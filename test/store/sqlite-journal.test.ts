// The store's databases keep SQLite's rollback journal in memory
// (journal_mode=MEMORY) and hold their lock (locking_mode=EXCLUSIVE); see
// src/server/store/sqljs.ts. What that must not break: ROLLBACK (page
// contents restored, not only new rows dropped), a failing statement undoing
// itself, a transaction that fails inside the store, and snapshots
// (db.export() keeps the settings, sees every committed write, and writes an
// ordinary rollback-journal image).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database } from 'sql.js';
import { migrate } from '../../src/server/store/migrations.ts';
import { Queries } from '../../src/server/store/queries.ts';
import { loadSqlJs, newDatabase } from '../../src/server/store/sqljs.ts';
import { openStore, withTempDir } from './helpers.ts';

const pragma = (db: Database, name: string) => String(db.exec(`PRAGMA ${name}`)[0]?.values[0]?.[0]);
const modes = (db: Database) => [pragma(db, 'journal_mode'), pragma(db, 'locking_mode')];
const integrity = (db: Database) => db.exec('PRAGMA integrity_check')[0]?.values.map((r) => String(r[0]));
const everything = (db: Database) => JSON.stringify(db.exec('SELECT * FROM messages ORDER BY id'));

/** A database with 2,000 committed messages over many pages. */
async function filled(): Promise<Database> {
  const db = await newDatabase();
  migrate(db);
  db.run('BEGIN');
  const insert = db.prepare('INSERT INTO messages (id, room_id, user_id, body, sent_at) VALUES (?, ?, ?, ?, ?)');
  for (let i = 1; i <= 2000; i++) insert.run([i, i % 7, 1, `line ${i} `.repeat(8), i]);
  insert.free();
  db.run('COMMIT');
  return db;
}

test('the store opens its databases with the rollback journal in memory and the lock held', async () => {
  const empty = await newDatabase();
  assert.deepEqual(modes(empty), ['memory', 'exclusive']);
  migrate(empty);
  const image = empty.export();
  assert.deepEqual(modes(empty), ['memory', 'exclusive'], 'export() keeps the settings');
  empty.close();
  const loaded = await newDatabase(image);
  assert.deepEqual(modes(loaded), ['memory', 'exclusive'], 'a database from an image gets them too');
  loaded.close();
});

test('ROLLBACK restores changed and deleted rows, not only drops new ones', async () => {
  const db = await filled();
  // A page cache of 5 pages makes SQLite write changed pages into the database
  // before the ROLLBACK, as a transaction larger than the cache (2 MB) would:
  // only the journal can undo those (with journal_mode=OFF this test fails).
  db.exec('PRAGMA cache_size=5');
  const before = everything(db);
  db.run('BEGIN');
  db.run('DELETE FROM messages WHERE id % 2 = 0');
  db.run("UPDATE messages SET body = 'changed', room_id = 99");
  db.run("INSERT INTO messages VALUES (5000, 1, 1, 'new', 1)");
  db.run('CREATE TABLE scratch (x)');
  assert.equal(db.exec('SELECT COUNT(*) FROM messages')[0]?.values[0]?.[0], 1001);
  db.run('ROLLBACK');
  assert.equal(everything(db), before);
  assert.deepEqual(db.exec("SELECT name FROM sqlite_master WHERE name = 'scratch'"), []);
  assert.deepEqual(integrity(db), ['ok']);

  // The same after a snapshot export (the mode survives it).
  db.export();
  db.run('BEGIN');
  db.run('DELETE FROM messages');
  db.run('ROLLBACK');
  assert.equal(everything(db), before);
  db.close();
});

test('a statement that fails undoes itself; Queries.transaction rolls back on a throw', async () => {
  const db = await filled();
  const before = everything(db);
  // Row 2001 goes in, then id 1 collides: the statement leaves nothing behind.
  assert.throws(() => db.run("INSERT INTO messages VALUES (2001, 1, 1, 'a', 1), (1, 1, 1, 'b', 1)"), /UNIQUE|PRIMARY KEY/);
  assert.equal(everything(db), before);

  const q = new Queries(db);
  assert.throws(
    () =>
      q.transaction(() => {
        q.insertMessage({ id: 3000, roomId: 1, userId: 1, body: 'kept?', sentAt: 1 });
        q.insertUser({ id: 1, name: 'Ann', nameKey: 'ann', passwordHash: 'h', createdAt: 1 });
        q.insertUser({ id: 2, name: 'Bob', nameKey: 'ann', passwordHash: 'h', createdAt: 1 });
      }),
    /UNIQUE/,
  );
  q.invalidate();
  assert.equal(everything(db), before);
  assert.deepEqual(db.exec('SELECT * FROM users'), []);
  assert.deepEqual(integrity(db), ['ok']);
  db.close();
});

test('each export holds every write committed before it; the image is an ordinary file a default connection reads', async () => {
  const db = await filled();
  const first = db.export();
  db.run("UPDATE messages SET body = 'edited' WHERE id = 1");
  db.run('DELETE FROM messages WHERE id = 2');
  db.run("INSERT INTO messages VALUES (2001, 1, 1, 'after the first export', 1)");
  const image = db.export();
  const expected = everything(db);
  db.close();
  const again = await newDatabase(image);
  assert.equal(everything(again), expected, 'the second export has the writes made after the first');
  again.close();
  const older = await newDatabase(first);
  assert.equal(older.exec('SELECT body FROM messages WHERE id = 1')[0]?.values[0]?.[0], 'line 1 '.repeat(8));
  older.close();
  // File format write/read versions (header bytes 18, 19): 1 = rollback journal, 2 = WAL.
  assert.deepEqual([image[18], image[19]], [1, 1]);
  const SQL = await loadSqlJs();
  const plain = new SQL.Database(image);
  assert.deepEqual(modes(plain), ['delete', 'normal']);
  assert.deepEqual(integrity(plain), ['ok']);
  assert.equal(plain.exec('SELECT COUNT(*) FROM messages')[0]?.values[0]?.[0], 2000, '1,999 of the filled rows and one new');
  plain.close();
});

test('a transaction that fails inside the store leaves memory, the snapshot and the journal as acknowledged', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    const ann = await store.createUser({ name: 'Ann', nameKey: 'ann', passwordHash: 'h', createdAt: 1 });
    const room = await store.ensureRoom('general', 'general', 1);
    await store.addMember(room.id, ann.id);
    const first = await store.appendMessage({ roomId: room.id, userId: ann.id, body: 'before', sentAt: 2 });
    await store.snapshot();
    // The store's own checks pass; SQLite refuses the second row (NOT NULL) inside importUsers' transaction.
    await assert.rejects(
      store.importUsers([
        { name: 'Bob', nameKey: 'bob', passwordHash: 'h', createdAt: 3 },
        { name: null as unknown as string, nameKey: 'cy', passwordHash: 'h', createdAt: 3 },
      ]),
      /NOT NULL/,
    );
    assert.equal(store.userByKey('bob'), undefined, 'the first row of the failed import was rolled back');
    assert.equal(store.userCount(), 1);
    const dan = await store.createUser({ name: 'Dan', nameKey: 'dan', passwordHash: 'h', createdAt: 4 });
    assert.equal(dan.id, ann.id + 1, 'the failed import consumed no id');
    const second = await store.appendMessage({ roomId: room.id, userId: dan.id, body: 'after', sentAt: 5 });
    assert.deepEqual(store.integrityCheck(), ['ok']);
    await store.close();

    const reopened = await openStore(dir);
    assert.deepEqual(reopened.messagesBefore(room.id, undefined, 10), [first, second]);
    assert.deepEqual(
      [reopened.userByKey('ann'), reopened.userByKey('bob'), reopened.userByKey('dan')],
      [ann, undefined, dan],
    );
    assert.deepEqual(reopened.integrityCheck(), ['ok']);
    await reopened.close();
  });
});
