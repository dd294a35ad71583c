// The operator's account import: `securechat import-users FILE` into a
// stopped server's store, then a real password login over loopback.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ChatClient } from '../../src/net/client.ts';
import { ImportError, importUsersFromFile, parseImportLines, storeDirOf } from '../../src/server/account-import.ts';
import { hashPassword } from '../../src/server/accounts/index.ts';
import { silentLogger } from '../../src/server/log.ts';
import { startServer } from '../../src/server/server.ts';
import { SqlJsStore } from '../../src/server/store/index.ts';
import { tempDir } from '../helpers/harness.ts';

const PASSWORD = 'correct horse battery';
const quiet = () => {};

function userLines(count: number, hash: string, prefix = 'user'): string[] {
  return Array.from({ length: count }, (_, i) => JSON.stringify({ username: `${prefix}${String(i).padStart(4, '0')}`, passwordHash: hash }));
}

async function userCount(storeDir: string): Promise<number> {
  const store = await SqlJsStore.open({ dir: storeDir, log: quiet });
  try {
    return store.userCount();
  } finally {
    await store.close();
  }
}

describe('import-users', () => {
  let root: string;
  let hash: string;

  before(async () => {
    root = tempDir('securechat-import-');
    // One real hash at the server's default cost, shared by every imported account.
    hash = await hashPassword(PASSWORD);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('1000 accounts from a file through the CLI; one of them logs in over loopback', async () => {
    const home = join(root, 'home');
    const file = join(root, 'users.jsonl');
    writeFileSync(file, userLines(1000, hash).join('\n') + '\n');
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'import-users', '--home', home, file], {
      encoding: 'utf8',
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /imported 1000 accounts/);

    const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(home, 'server'), log: silentLogger });
    const client = new ChatClient({
      host: '127.0.0.1',
      port: server.port,
      knownServersFile: join(root, 'known_servers.json'),
      autoReconnect: false,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      const start = await client.login('user0737', PASSWORD);
      assert.equal(start.user, 'user0737');
      assert.deepEqual(
        start.rooms.map((room) => [room.name, room.members]),
        [['general', 1000]],
      );
      const sent = await client.send('general', 'imported and here');
      assert.equal(sent.from, 'user0737');
    } finally {
      client.close();
      await server.stop();
    }
  });

  test('a malformed line is refused with its number, and nothing is imported', async () => {
    const storeDir = storeDirOf(join(root, 'bad', 'server'));
    const file = join(root, 'bad.jsonl');
    const lines = userLines(5, hash, 'fine');
    lines.splice(3, 0, '{"username": "broken", "passwordHash": ');
    writeFileSync(file, lines.join('\n'));
    await assert.rejects(importUsersFromFile(file, storeDir, quiet), (error: unknown) => {
      assert.ok(error instanceof ImportError);
      assert.equal(error.line, 4);
      assert.match(error.message, /^line 4: /);
      return true;
    });
    assert.equal(await userCount(storeDir), 0);

    // The same through the CLI: exit 1, the line number on stderr.
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'import-users', '--home', join(root, 'bad-cli'), file],
      { encoding: 'utf8' },
    );
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /line 4: .*nothing was imported/);
  });

  test('the import refuses to run beside a server on the same folder', async () => {
    const dataDir = join(root, 'busy', 'server');
    const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, log: silentLogger });
    const file = join(root, 'busy.jsonl');
    writeFileSync(file, userLines(3, hash, 'late').join('\n'));
    try {
      await assert.rejects(importUsersFromFile(file, storeDirOf(dataDir), quiet), (error: unknown) => {
        assert.ok(error instanceof ImportError);
        assert.equal(error.line, undefined);
        assert.match(error.message, /server/);
        return true;
      });
    } finally {
      await server.stop();
    }
    assert.equal(await userCount(storeDirOf(dataDir)), 0);
  });

  test('each line is checked: fields, names, hashes, duplicates in the file and on the server', async () => {
    const good = (name: string) => JSON.stringify({ username: name, passwordHash: hash });
    const refusals: Array<[string[], number, RegExp]> = [
      [[good('alice'), '[1, 2]'], 2, /not a JSON object/],
      [[good('alice'), JSON.stringify({ username: 'bob' })], 2, /passwordHash/],
      [[JSON.stringify({ username: 'bob', passwordHash: hash, admin: true })], 1, /unknown field "admin"/],
      [[good('al')], 1, /username/i],
      [[JSON.stringify({ username: 'carol', passwordHash: 'md5$abc' })], 1, /scrypt/],
      [[good('dave'), '', good('DAVE')], 3, /already on line 1/],
    ];
    for (const [lines, line, reason] of refusals) {
      assert.throws(
        () => parseImportLines(lines.join('\n')),
        (error: unknown) => error instanceof ImportError && error.line === line && reason.test(error.message),
        lines.join(' | '),
      );
    }

    const storeDir = storeDirOf(join(root, 'twice', 'server'));
    const first = join(root, 'first.jsonl');
    writeFileSync(first, [good('erin'), good('frank')].join('\n'));
    assert.equal((await importUsersFromFile(first, storeDir, quiet)).imported, 2);
    const second = join(root, 'second.jsonl');
    writeFileSync(second, [good('grace'), good('Frank')].join('\n'));
    await assert.rejects(importUsersFromFile(second, storeDir, quiet), /line 2: .*already taken/);
    assert.equal(await userCount(storeDir), 2);
  });
});
