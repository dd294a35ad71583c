// The interactive client in a real pseudo-terminal (util-linux `script`
// provides it): trust prompt, registration with a password that is never
// echoed, colours, slash commands, /logout back to the login prompt, the
// up arrow, hostile text shown inert, lines refused before they are shown,
// and lines typed during an outage shown as queued until they are sent.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ChatClient } from '../../src/net/client.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { waitFor } from '../helpers/harness.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const skip = hasScript ? false : 'util-linux `script` is not installed: the interactive client needs a pseudo-terminal';

interface Pty {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Waits until the output after `from` matches; returns where the match ends. */
  waitFor(pattern: RegExp | string, from?: number, timeoutMs?: number): Promise<number>;
  type(text: string): void;
  exit: Promise<number | null>;
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function startPty(args: string[], env: Record<string, string>): Pty {
  const command = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-qfec', `stty cols 200; exec ${command}`, '/dev/null'], {
    cwd: repo,
    env: { ...process.env, TERM: 'xterm-256color', NO_COLOR: '', SECURECHAT_CONFIG: '', ...env },
  });
  let output = '';
  const watchers = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    watchers.forEach((check) => check());
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exit = new Promise<number | null>((resolveExit) => child.on('close', (code) => resolveExit(code)));
  return {
    child,
    output: () => output,
    type: (text) => child.stdin.write(text),
    exit,
    waitFor(pattern, from = 0, timeoutMs = 15_000) {
      return new Promise((resolveWait, reject) => {
        const check = (): void => {
          const rest = output.slice(from);
          const index = typeof pattern === 'string' ? rest.indexOf(pattern) : rest.search(pattern);
          if (index >= 0) {
            watchers.delete(check);
            clearTimeout(timer);
            const length = typeof pattern === 'string' ? pattern.length : (rest.match(pattern)?.[0].length ?? 0);
            resolveWait(from + index + length);
          }
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms; output so far:\n${JSON.stringify(output.slice(from))}`));
        }, timeoutMs);
        watchers.add(check);
        check();
      });
    },
  };
}

describe('securechat chat, interactive, in a pseudo-terminal', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'securechat-pty-'));
  let server: RunningServer;
  const password = 'never-echo-this-9';

  before(async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(scratch, 'server'), log: () => {} });
    const bob = new ChatClient({ host: '127.0.0.1', port: server.port, knownServersFile: join(scratch, 'bob-pins.json') });
    bob.on('error', () => {});
    await bob.connect();
    await bob.register('bob', 'bob-password');
    await bob.logout();
    bob.close();
  });
  after(async () => {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const args = (): string[] => ['chat', '--host', '127.0.0.1', '--port', String(server.port)];

  test('declining the key on first contact pins nothing and exits 1', async () => {
    const home = join(scratch, 'declines');
    const pty = startPty(args(), { SECURECHAT_HOME: home });
    await pty.waitFor(server.fingerprint);
    await pty.waitFor('Trust this key and connect? [y/N] ');
    pty.type('n\r');
    assert.equal(await pty.exit, 1);
    assert.match(pty.output(), /was not trusted; nothing was sent/);
    assert.equal(existsSync(join(home, 'known_servers.json')), false);
  });

  test('register, chat in colour, commands, /logout and log in as another user, /quit', async () => {
    const home = join(scratch, 'alice');
    const pty = startPty(args(), { SECURECHAT_HOME: home });
    let at = await pty.waitFor('Trust this key and connect? [y/N] ');
    pty.type('y\r');
    at = await pty.waitFor('Log in or register? [L/r] ', at);
    pty.type('r\r');
    at = await pty.waitFor('User name: ', at);
    pty.type('alice\r');
    at = await pty.waitFor('Password: ', at);
    pty.type(`${password}\r`);
    at = await pty.waitFor('Password again: ', at);
    pty.type(`${password}\r`);
    at = await pty.waitFor('[general] alice> ', at);

    pty.type('hello from alice\r');
    at = await pty.waitFor('\x1b[32malice: hello from alice', at); // own line, green
    pty.type('//slash\r');
    at = await pty.waitFor('alice: /slash', at);
    pty.type('/bogus\r');
    at = await pty.waitFor(/\x1b\[31m! unknown command \/bogus: \/help lists the commands/, at); // red
    pty.type('/users\r');
    at = await pty.waitFor(/\x1b\[33m\* online \(1\): alice/, at); // yellow notice

    // Another user's hostile line arrives while alice is at the prompt.
    const carol = new ChatClient({ host: '127.0.0.1', port: server.port, knownServersFile: join(scratch, 'carol-pins.json') });
    carol.on('error', () => {});
    await carol.connect();
    await carol.register('carol', 'carol-password');
    await carol.send('general', 'wipe\x1b[2J\x1b]0;pwned\x07\u202eevil');
    at = await pty.waitFor('\x1b[94mcarol: wipe\\x1b[2J\\x1b]0;pwned\\x07\\u202eevil', at); // others' lines blue, text inert
    await carol.logout();
    carol.close();

    pty.type('/join dev\r');
    at = await pty.waitFor('[dev] alice> ', at);
    pty.type('/logout\r');
    at = await pty.waitFor('logged out alice', at);
    at = await pty.waitFor('Log in or register? [L/r] ', at);
    pty.type('\r');
    at = await pty.waitFor('User name [alice]: ', at);
    pty.type('bob\r');
    at = await pty.waitFor('Password: ', at);
    pty.type('bob-password\r');
    at = await pty.waitFor('logged in as bob', at);
    at = await pty.waitFor('\x1b[94malice: hello from alice', at); // history on login; now someone else's line
    at = await pty.waitFor('[general] bob> ', at);

    // Up arrow: the lines typed before, across the logout; never the password.
    pty.type('\x1b[A');
    at = await pty.waitFor('/logout', at);
    pty.type('\x1b[A\x1b[A\x1b[A\x1b[A\x1b[A\x1b[A');
    await new Promise((wait) => setTimeout(wait, 300));
    pty.type('\x15/quit\r'); // Ctrl-U clears the recalled line
    assert.equal(await pty.exit, 0, pty.output());
    assert.ok(!pty.output().includes(password), 'the password was echoed or recalled: ' + JSON.stringify(pty.output()));
    assert.ok(!pty.output().includes('\x1b]0;pwned'), 'an escape sequence from the server reached the terminal');
  });

  test('NO_COLOR: no colours; a password typed ahead of its prompt is not echoed either', async () => {
    const pty = startPty(args(), { SECURECHAT_HOME: join(scratch, 'alice'), NO_COLOR: '1' });
    let at = await pty.waitFor('Log in or register? [L/r] ');
    pty.type(`\ralice\r${password}\r`);
    at = await pty.waitFor('[general] alice> ', at);
    pty.type('plain\r');
    at = await pty.waitFor(/\] alice: plain/, at);
    pty.type('\x04'); // Ctrl-D
    assert.equal(await pty.exit, 0);
    assert.doesNotMatch(pty.output(), /\x1b\[(32|94|33|31|2)m/);
    assert.ok(!pty.output().includes(password), JSON.stringify(pty.output()));
  });

  test('refused at once: a short new password, a line over the size limit; a line typed offline is queued, then confirmed; a restart is no presence news', async () => {
    // erin is online throughout and comes back after dave: the restart announces her "online",
    // which dave already knew.
    const erin = new ChatClient({ host: '127.0.0.1', port: server.port, knownServersFile: join(scratch, 'erin-pins.json'), reconnectDelay: () => 1500 });
    erin.on('error', () => {});
    await erin.connect();
    await erin.register('erin', 'erin-password');
    const pty = startPty(args(), { SECURECHAT_HOME: join(scratch, 'dave') });
    let at = await pty.waitFor('Trust this key and connect? [y/N] ');
    pty.type('y\r');
    at = await pty.waitFor('Log in or register? [L/r] ', at);
    pty.type('r\r');
    at = await pty.waitFor('User name: ', at);
    pty.type('dave\r');
    at = await pty.waitFor('Password: ', at);
    pty.type('short\r');
    // The server's own rule, checked before the password is asked for again.
    at = await pty.waitFor('! The password must be at least 8 characters long. Nothing was sent; choose another.', at);
    at = await pty.waitFor('Password: ', at);
    assert.ok(!pty.output().slice(0, at).includes('Password again: '));
    pty.type('dave-password\r');
    at = await pty.waitFor('Password again: ', at);
    pty.type('dave-password\r');
    at = await pty.waitFor('[general] dave> ', at);

    // 9,000 bytes: an error at once, and never shown as said.
    pty.type(`${'A'.repeat(9000)}\r`);
    const typed = at;
    at = await pty.waitFor(/\x1b\[31m! not sent to general: the message is 9000 bytes; the limit is 8192 \("A{40}…"; Up recalls it\)/, at);
    at = await pty.waitFor('[general] dave> ', at);
    assert.ok(!pty.output().slice(typed).includes('dave: AAAA'), 'the refused line was echoed as said');

    // An outage: the line is shown dim and "(queued)", not green, and "sent" follows once it is stored.
    const port = server.port;
    await server.stop();
    at = await pty.waitFor('(reconnecting)', at);
    pty.type('said while offline\r');
    at = await pty.waitFor('\x1b[2mdave: said while offline\x1b[0m\x1b[2m (queued)\x1b[0m', at);
    assert.ok(!pty.output().includes('\x1b[32mdave: said while offline'), 'a queued line was shown as sent');
    assert.ok(!pty.output().slice(at).includes('sent: "said while offline"'));
    server = await startServer({ host: '127.0.0.1', port, dataDir: join(scratch, 'server'), log: () => {} });
    at = await pty.waitFor('session resumed', at);
    at = await pty.waitFor(/\x1b\[2m\[\d\d:\d\d:\d\d\] sent: "said while offline"\x1b\[0m/, at);
    pty.type('/history 3\r');
    at = await pty.waitFor('dave: said while offline', at);
    await waitFor(() => erin.state === 'connected' && erin.user === 'erin', 'erin to resume');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // presence is announced per 0.5 s
    assert.ok(!pty.output().includes('erin is online'), 'the restart was told as news');
    await erin.logout();
    at = await pty.waitFor('erin is offline', at);
    erin.close();
    pty.type('/quit\r');
    assert.equal(await pty.exit, 0, pty.output());
    assert.equal(pty.output().split('sent: "said while offline"').length, 2, 'confirmed once');
  });

  test('a changed server key: both fingerprints, how to reset the pin, exit 3, no password asked', async () => {
    const home = join(scratch, 'alice');
    const port = server.port;
    const old = server.fingerprint;
    await server.stop();
    const impostor = await startServer({ host: '127.0.0.1', port, dataDir: join(scratch, 'impostor'), log: () => {} });
    try {
      const pty = startPty(args(), { SECURECHAT_HOME: home });
      assert.equal(await pty.exit, 3, pty.output());
      const output = pty.output();
      assert.ok(output.includes(`expected:  ${old}`), output);
      assert.ok(output.includes(`presented: ${impostor.fingerprint}`), output);
      assert.ok(output.includes(`remove the "127.0.0.1:${port}" entry from ${join(home, 'known_servers.json')}`), output);
      assert.ok(!output.includes('Password'), output);
    } finally {
      await impostor.stop();
      server = await startServer({ host: '127.0.0.1', port, dataDir: join(scratch, 'server'), log: () => {} });
    }
  });
});
