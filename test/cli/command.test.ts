// The `securechat` command itself: --version, help, usage errors (exit 2),
// `server` as a child process stopped by a signal, `repair`, `gui` without a
// display, and the bundled dist file starting without the desktop binding.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { build } from 'esbuild';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'securechat-command-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined> = {}, entry = ['--import', 'tsx', 'src/cli/main.ts']): Promise<Run> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: repo,
      env: { ...process.env, SECURECHAT_HOME: join(scratch, 'home'), SECURECHAT_CONFIG: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.end();
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

describe('securechat', () => {
  test('--version prints the package version', async () => {
    const result = await run(['--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `securechat ${version}\n`);
  });

  test('--help lists the subcommands; no arguments is a usage error', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    for (const name of ['server', 'chat', 'gui', 'repair']) assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'));
    const bare = await run([]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /Usage: securechat <command>/);
  });

  test('each subcommand has --help naming its options, variables and config keys', async () => {
    const server = await run(['server', '--help']);
    assert.equal(server.code, 0);
    assert.match(server.stdout, /--host HOST +address to listen on \(default 0\.0\.0\.0: every\s+interface/);
    assert.match(server.stdout, /env SECURECHAT_LOG_BODIES, config "logBodies"/);
    const chat = await run(['chat', '-h']);
    assert.equal(chat.code, 0);
    for (const text of ['--fingerprint', '--password-stdin', '--listen', '--register', '--room', 'SECURECHAT_PASSWORD', 'NO_COLOR', 'Exit status']) {
      assert.ok(chat.stdout.includes(text), text);
    }
    assert.equal((await run(['gui', '--help'])).code, 0);
    assert.equal((await run(['repair', '--help'])).code, 0);
  });

  const usageErrors: Array<[string[], Record<string, string>, RegExp]> = [
    [['frobnicate'], {}, /unknown command "frobnicate"\nTry 'securechat --help'/],
    [['--port', '1'], {}, /unknown option --port \(options go after the command\)/],
    [['chat', '--colour'], {}, /unknown option '--colour'\nTry 'securechat chat --help'/],
    [['server', '--port', 'http'], {}, /--port: expected a port number from 0 to 65535, got "http"/],
    [['chat', '--port', '5555', 'extra'], {}, /unexpected argument "extra"/],
    [['server'], { SECURECHAT_PORT: '-1' }, /SECURECHAT_PORT: expected a port number/],
    [['chat'], { SECURECHAT_CONFIG: '/nonexistent/securechat.json' }, /cannot read config file \/nonexistent\/securechat.json/],
  ];
  for (const [args, env, pattern] of usageErrors) {
    test(`usage error, exit 2: securechat ${args.join(' ')} ${JSON.stringify(env)}`, async () => {
      const result = await run(args, env);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, pattern);
      assert.equal(result.stdout, '');
    });
  }
});

describe('securechat server', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`prints where data lives and the fingerprint; ${signal} stops it with exit 0`, async () => {
      const home = join(scratch, `server-${signal}`);
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'server', '--host', '127.0.0.1', '--port', '0'], {
        cwd: repo,
        env: { ...process.env, SECURECHAT_HOME: home, SECURECHAT_CONFIG: '' },
      });
      let stdout = '';
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolveExit) => child.on('close', (code) => resolveExit(code)));
      await new Promise<void>((ready, fail) => {
        const timer = setTimeout(() => fail(new Error(`server did not start: ${stdout}${stderr}`)), 20_000);
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          if (/Stop with Ctrl-C/.test(stdout)) {
            clearTimeout(timer);
            ready();
          }
        });
      });
      assert.match(stdout, /^securechat server listening on 127\.0\.0\.1:\d+\n/);
      assert.ok(stdout.includes(`data:        ${join(home, 'server')}\n`), stdout);
      assert.match(stdout, /^fingerprint: SHA256:[A-Za-z0-9+/]{43}$/m);
      assert.equal(statSync(home).mode & 0o777, 0o700);
      assert.equal(statSync(join(home, 'server')).mode & 0o777, 0o700);
      assert.match(stderr, /"event":"listening"/);
      child.kill(signal);
      assert.equal(await exited, 0, stderr);
      assert.match(stdout, /stopped\n$/);
    });
  }

  test('a port in use is said plainly (exit 1)', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((listening) => blocker.listen(0, '127.0.0.1', () => listening()));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const result = await run(['server', '--host', '127.0.0.1', '--port', String(port)], { SECURECHAT_HOME: join(scratch, 'busy') });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`port ${port} is already in use on 127.0.0.1`));
    } finally {
      blocker.close();
    }
  });
});

describe('securechat repair and gui', () => {
  test('repair on a store that a server left: nothing to do, exit 0', async () => {
    const home = join(scratch, 'repair-home');
    const { startServer } = await import('../../src/server/server.ts');
    const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(home, 'server'), log: () => {} });
    await server.stop();
    const result = await run(['repair'], { SECURECHAT_HOME: home });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes(`store: ${join(home, 'server', 'store')}`), result.stdout);
    assert.match(result.stdout, /the store opens/);
  });

  test('gui without a display says what to do and exits non-zero, without a crash', async () => {
    const result = await run(['gui'], { DISPLAY: undefined, WAYLAND_DISPLAY: undefined });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /no display/);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/); // no stack trace
  });
});

describe('the bundled command', () => {
  test('dist/securechat.js needs no desktop binding to start (webview-nodejs is loaded only by `gui`)', async () => {
    // Laid out as an installed package: <root>/package.json, <root>/node_modules, <root>/dist/securechat.js.
    const root = join(scratch, 'package');
    const outfile = join(root, 'dist', 'securechat.js');
    // The same options as esbuild.config.mjs, into a scratch folder so as not to disturb dist/.
    await build({
      entryPoints: [join(repo, 'src/cli/main.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      packages: 'external',
      logLevel: 'error',
    });
    const code = readFileSync(outfile, 'utf8');
    const staticImports = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1]);
    assert.ok(!staticImports.some((name) => name?.includes('webview')), `static imports: ${staticImports.join(', ')}`);
    copyFileSync(join(repo, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    const result = await run(['--version'], {}, [outfile]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `securechat ${version}\n`);
  });
});
