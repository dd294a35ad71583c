// The `securechat` command end to end: a real server in this process on a
// loopback port chosen by the system, and the CLI as child processes in
// scripted mode, each with its own SECURECHAT_HOME.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ChatClient } from '../../src/net/client.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'securechat-cli-'));
const LINE = /^\[\d\d:\d\d:\d\d\] /;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Child {
  process: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves when the output (stdout + stderr) matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<Run>;
}

function spawnCli(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repo,
    env: { ...process.env, NO_COLOR: '', SECURECHAT_PASSWORD: '', SECURECHAT_CONFIG: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    watchers.forEach((check) => check());
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    watchers.forEach((check) => check());
  });
  const done = new Promise<Run>((resolveRun) =>
    child.on('close', (code, signal) => resolveRun({ code, signal, stdout, stderr })),
  );
  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolveWait, reject) => {
        const check = (): void => {
          if (pattern.test(stdout + stderr)) {
            watchers.delete(check);
            clearTimeout(timer);
            resolveWait();
          }
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        watchers.add(check);
        check();
      });
    },
  };
}

/** Runs the CLI to its end with `input` on stdin. */
function runCli(args: string[], env: Record<string, string>, input = ''): Promise<Run> {
  const child = spawnCli(args, env);
  child.process.stdin.end(input);
  return child.done;
}

describe('securechat chat, scripted, against a real server', () => {
  let server: RunningServer;
  const serverLogs: Array<Record<string, unknown>> = [];
  const dataDir = join(scratch, 'server-data');
  const homes = { alice: join(scratch, 'alice'), bob: join(scratch, 'bob'), carol: join(scratch, 'carol') };
  const chat = (user: keyof typeof homes, ...extra: string[]): string[] => [
    'chat',
    '--host',
    '127.0.0.1',
    '--port',
    String(server.port),
    '--user',
    user,
    ...extra,
  ];
  const as = (user: keyof typeof homes, password = `${user}-password`): Record<string, string> => ({
    SECURECHAT_HOME: homes[user],
    SECURECHAT_PASSWORD: password,
  });
  const start = async (port = 0): Promise<void> => {
    server = await startServer({ host: '127.0.0.1', port, dataDir, log: (event, fields = {}) => serverLogs.push({ event, ...fields }) });
  };

  before(() => start());
  after(async () => {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('register alice: the new server key is pinned and its fingerprint printed to stderr', async () => {
    const run = await runCli(chat('alice', '--register'), as('alice'));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`key ${escape(server.fingerprint)} pinned in ${escape(join(homes.alice, 'known_servers.json'))}`));
    const pins = JSON.parse(readFileSync(join(homes.alice, 'known_servers.json'), 'utf8')) as Record<string, { fingerprint: string }>;
    assert.equal(pins[`127.0.0.1:${server.port}`]?.fingerprint, server.fingerprint);
  });

  test('bob, listening, receives alice\'s line as "[HH:MM:SS] alice: hello"; SIGTERM ends him with 0', async () => {
    const bob = spawnCli(chat('bob', '--register', '--listen'), as('bob'));
    bob.process.stdin.end(); // --listen: the end of input does not end him
    await bob.waitFor(/logged in as bob/);
    const alice = await runCli(chat('alice'), as('alice'), 'hello\n');
    assert.equal(alice.code, 0, alice.stderr);
    await bob.waitFor(/alice: hello\n/);
    assert.match(bob.stdout(), /^\[\d\d:\d\d:\d\d\] alice: hello$/m);
    bob.process.kill('SIGTERM');
    const run = await bob.done;
    assert.equal(run.code, 0, run.stderr);
  });

  test('the history sent at login is printed, and --password-stdin takes the first line', async () => {
    const run = await runCli(chat('bob', '--password-stdin'), as('bob', ''), 'bob-password\n');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\[\d\d:\d\d:\d\d\] alice: hello$/m);
    assert.ok(run.stdout.split('\n').filter(Boolean).every((line) => LINE.test(line)), run.stdout);
  });

  test('registering a taken name fails non-zero with the reason', async () => {
    const run = await runCli(chat('alice', '--register'), as('alice', 'another-password'), 'should not be sent\n');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot register: .*alice.*taken/i);
    assert.equal(run.stdout, '');
  });

  test('a wrong password fails non-zero with the reason', async () => {
    const run = await runCli(chat('alice'), as('alice', 'wrong-password'), 'x\n');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot log in: wrong user name or password/);
  });

  test('no password, or no --user with stdin not a terminal, is a usage error (exit 2)', async () => {
    const noPassword = await runCli(chat('alice'), { SECURECHAT_HOME: homes.alice });
    assert.equal(noPassword.code, 2);
    assert.match(noPassword.stderr, /no password: set SECURECHAT_PASSWORD or pass --password-stdin/);
    const noUser = await runCli(['chat', '--port', String(server.port)], { SECURECHAT_HOME: homes.alice });
    assert.equal(noUser.code, 2);
    assert.match(noUser.stderr, /needs --user NAME/);
  });

  test('--room: lines go to that room (created if new); every line is acknowledged before exit 0, in order', async () => {
    // More lines than the server's burst allowance: the CLI must wait out the rate limit, not drop lines.
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`);
    const run = await runCli(chat('alice', '--room', 'ops'), as('alice'), `${lines.join('\n')}\n\n   \n`);
    assert.equal(run.code, 0, run.stderr);
    const reader = await runCli(chat('bob', '--room', 'ops'), as('bob'));
    assert.equal(reader.code, 0, reader.stderr);
    const bodies = reader.stdout.split('\n').filter((line) => / alice: /.test(line)).map((line) => line.replace(/^.* alice: /, ''));
    assert.deepEqual(bodies, lines);
  });

  test('lines from others are printed neutralised: no escape sequence reaches stdout', async () => {
    const carol = new ChatClient({ host: '127.0.0.1', port: server.port, knownServersFile: join(homes.carol, 'pins.json') });
    carol.on('error', () => {});
    await carol.connect();
    await carol.register('carol', 'carol-password');
    await carol.send('general', 'clear\x1b[2J title\x1b]0;pwned\x07 csi\x9b31m bidi\u202eevil\nsecond line');
    await carol.logout();
    carol.close();
    const run = await runCli(chat('bob'), as('bob'));
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.includes('carol: clear\\x1b[2J title\\x1b]0;pwned\\x07 csi\\x9b31m bidi\\u202eevil\\nsecond line\n'), run.stdout);
    assert.doesNotMatch(run.stdout, /[\x1b\x07\x9b\u202e]/);
  });

  test('a line typed while the server is down is sent once it is back; a listener misses nothing', async () => {
    const bob = spawnCli(chat('bob', '--listen'), as('bob'));
    bob.process.stdin.end();
    await bob.waitFor(/logged in as bob/);
    const alice = spawnCli(chat('alice'), as('alice'));
    await alice.waitFor(/logged in as alice/);
    alice.process.stdin.write('before the restart\n');
    await bob.waitFor(/alice: before the restart\n/);

    const port = server.port;
    await server.stop('restarting for a test');
    await alice.waitFor(/connection lost/);
    alice.process.stdin.write('while the server was down\n');
    await alice.waitFor(/waiting for the connection/);
    await new Promise((wait) => setTimeout(wait, 700));
    await start(port);
    alice.process.stdin.end();
    const run = await alice.done;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /reconnected; session resumed/);

    await bob.waitFor(/alice: while the server was down\n/, 40_000);
    bob.process.kill('SIGTERM');
    assert.equal((await bob.done).code, 0);
    const reader = await runCli(chat('carol', '--password-stdin'), { SECURECHAT_HOME: homes.carol }, 'carol-password\n');
    const stored = reader.stdout.split('\n').filter((line) => /alice: (before the restart|while the server was down)$/.test(line));
    assert.equal(stored.length, 2, reader.stdout);
  });

  test('a changed server key is refused with both fingerprints, before any password is sent (exit 3)', async () => {
    const port = server.port;
    const oldFingerprint = server.fingerprint;
    await server.stop();
    // Another server, with another identity, on the same address.
    const impostorLogs: Array<Record<string, unknown>> = [];
    const impostor = await startServer({
      host: '127.0.0.1',
      port,
      dataDir: join(scratch, 'impostor-data'),
      log: (event, fields = {}) => impostorLogs.push({ event, ...fields }),
    });
    try {
      const run = await runCli(chat('alice'), as('alice'), 'secret plans\n');
      assert.equal(run.code, 3, run.stderr);
      assert.ok(run.stderr.includes(`expected:  ${oldFingerprint}`), run.stderr);
      assert.ok(run.stderr.includes(`presented: ${impostor.fingerprint}`), run.stderr);
      assert.match(run.stderr, /No password was sent/);
      assert.ok(run.stderr.includes(`remove the "127.0.0.1:${port}" entry from ${join(homes.alice, 'known_servers.json')}`));
      assert.ok(run.stderr.includes(`--fingerprint ${impostor.fingerprint}`));
      const requests = impostorLogs.filter((entry) => /login|session|register|protocol/.test(String(entry.event)));
      assert.deepEqual(requests, []);
    } finally {
      await impostor.stop();
      await start(port);
    }
  });

  test('--fingerprint pins up front: a wrong one is refused even on first contact', async () => {
    const home = join(scratch, 'dave');
    const run = await runCli([...chat('alice'), '--fingerprint', 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], { SECURECHAT_HOME: home, SECURECHAT_PASSWORD: 'alice-password' });
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /given by --fingerprint/);
    const right = await runCli([...chat('alice'), '--fingerprint', server.fingerprint], { SECURECHAT_HOME: home, SECURECHAT_PASSWORD: 'alice-password' });
    assert.equal(right.code, 0, right.stderr);
  });

  test('--fingerprint with the new key replaces a stale pin', async () => {
    const home = join(scratch, 'erin');
    const pinFile = join(home, 'known_servers.json');
    const address = `127.0.0.1:${server.port}`;
    const run1 = await runCli(chat('alice'), { SECURECHAT_HOME: home, SECURECHAT_PASSWORD: 'alice-password' });
    assert.equal(run1.code, 0, run1.stderr);
    writeFileSync(pinFile, JSON.stringify({ [address]: { fingerprint: 'SHA256:stale', firstSeen: 'then' } }));
    const refused = await runCli(chat('alice'), { SECURECHAT_HOME: home, SECURECHAT_PASSWORD: 'alice-password' });
    assert.equal(refused.code, 3);
    const replaced = await runCli([...chat('alice'), '--fingerprint', server.fingerprint], { SECURECHAT_HOME: home, SECURECHAT_PASSWORD: 'alice-password' });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stderr, /pinned key replaced \(was SHA256:stale/);
    const pins = JSON.parse(readFileSync(pinFile, 'utf8')) as Record<string, { fingerprint: string }>;
    assert.equal(pins[address]?.fingerprint, server.fingerprint);
  });

  test('a server that is not there: exit 1, said plainly', async () => {
    const run = await runCli(['chat', '--host', '127.0.0.1', '--port', '1', '--user', 'alice'], as('alice'));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot connect to 127\.0\.0\.1:1: connection refused/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
