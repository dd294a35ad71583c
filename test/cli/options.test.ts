// Option precedence: flag, then environment, then config file (subcommand
// section over top level), then default; and the home folder's own order.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { OptionError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/config-file.ts';
import { resolveHome } from '../../src/config/paths.ts';
import { resolveOptions, sourceOf } from '../../src/config/resolve.ts';
import { chatSettings, serverSettings } from '../../src/config/settings.ts';

const scratch = mkdtempSync(join(tmpdir(), 'securechat-options-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function resolveChat(argv: string[], env: Record<string, string>) {
  const { flags } = parseCommandArgs('chat', argv);
  return resolveOptions({ command: 'chat', flags, env, cwd: scratch });
}

describe('option precedence', () => {
  const config = join(scratch, 'precedence.json');
  writeFileSync(config, JSON.stringify({ host: 'file-top', port: 1111, chat: { host: 'file-chat' }, server: { port: 2222 } }));

  const cases: Array<{ name: string; argv: string[]; env: Record<string, string>; host: string; source: string }> = [
    { name: 'flag beats env and file', argv: ['--host', 'flag'], env: { SECURECHAT_HOST: 'env' }, host: 'flag', source: '--host' },
    { name: 'env beats file', argv: [], env: { SECURECHAT_HOST: 'env' }, host: 'env', source: 'SECURECHAT_HOST' },
    { name: 'an empty env var counts as unset', argv: [], env: { SECURECHAT_HOST: '' }, host: 'file-chat', source: `${config}: chat.host` },
    { name: 'file section beats file top level', argv: [], env: {}, host: 'file-chat', source: `${config}: chat.host` },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const options = resolveChat([...c.argv, '--config', config], c.env);
      assert.equal(chatSettings(options).host, c.host);
      assert.equal(sourceOf(options, 'host'), c.source);
    });
  }

  test('file top level applies when the section is silent; defaults fill the rest', () => {
    const options = resolveChat(['--config', config], {});
    assert.equal(chatSettings(options).port, 1111);
    assert.equal(chatSettings(options).room, 'general');
    assert.equal(sourceOf(options, 'room'), 'default');
    assert.equal(chatSettings(options).fingerprint, undefined);
  });

  test('SECURECHAT_CONFIG names the file when --config does not', () => {
    const options = resolveChat([], { SECURECHAT_CONFIG: config });
    assert.equal(chatSettings(options).host, 'file-chat');
  });

  test('defaults per subcommand: the server listens everywhere, clients go to loopback, port 5555', () => {
    const home = join(scratch, 'empty-home');
    const server = serverSettings(resolveOptions({ command: 'server', flags: {}, env: { SECURECHAT_HOME: home } }));
    assert.deepEqual([server.host, server.port, server.logBodies], ['0.0.0.0', 5555, false]);
    assert.equal(server.dataDir, join(home, 'server'));
    const chat = chatSettings(resolveOptions({ command: 'chat', flags: {}, env: { SECURECHAT_HOME: home } }));
    assert.deepEqual([chat.host, chat.port], ['127.0.0.1', 5555]);
    assert.equal(chat.knownServersFile, join(home, 'known_servers.json'));
  });

  test('<home>/config.json is read when present', () => {
    const home = join(scratch, 'home-config');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'config.json'), JSON.stringify({ server: { port: 6000, logBodies: true } }));
    const server = serverSettings(resolveOptions({ command: 'server', flags: {}, env: { SECURECHAT_HOME: home } }));
    assert.equal(server.port, 6000);
    assert.equal(server.logBodies, true);
  });

  test('booleans from the environment', () => {
    for (const [text, value] of [['1', true], ['yes', true], ['TRUE', true], ['0', false], ['off', false]] as const) {
      const options = resolveOptions({ command: 'server', flags: {}, env: { SECURECHAT_HOME: scratch, SECURECHAT_LOG_BODIES: text } });
      assert.equal(serverSettings(options).logBodies, value, text);
    }
  });

  test('--user on the command line selects scripted mode; from the environment it does not', () => {
    assert.equal(chatSettings(resolveChat(['--user', 'alice'], { SECURECHAT_HOME: scratch })).userFromFlag, true);
    const fromEnv = chatSettings(resolveChat([], { SECURECHAT_HOME: scratch, SECURECHAT_USER: 'alice' }));
    assert.equal(fromEnv.user, 'alice');
    assert.equal(fromEnv.userFromFlag, false);
  });
});

describe('bad values are usage errors that name their source', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['port out of range (flag)', () => resolveChat(['--port', '70000'], { SECURECHAT_HOME: scratch }), /--port: expected a port number/],
    ['port 0 for a client', () => resolveChat([], { SECURECHAT_HOME: scratch, SECURECHAT_PORT: '0' }), /SECURECHAT_PORT/],
    ['boolean env', () => resolveOptions({ command: 'server', flags: {}, env: { SECURECHAT_HOME: scratch, SECURECHAT_LOG_BODIES: 'maybe' } }), /SECURECHAT_LOG_BODIES: expected true or false/],
    ['unknown flag', () => parseCommandArgs('chat', ['--hots', 'x']), /unknown option '--hots'/],
    ['flag of another subcommand', () => parseCommandArgs('server', ['--user', 'x']), /unknown option '--user'/],
    ['missing value', () => parseCommandArgs('chat', ['--port']), /argument missing/],
    ['stray argument', () => parseCommandArgs('chat', ['alice']), /unexpected argument "alice"/],
    ['missing --config file', () => resolveChat(['--config', join(scratch, 'nope.json')], {}), /cannot read config file/],
  ];
  for (const [name, run, pattern] of cases) {
    test(name, () => assert.throws(run, (error: Error) => error instanceof OptionError && pattern.test(error.message)));
  }

  test('config file: invalid JSON, unknown keys, wrong types, misplaced keys', () => {
    assert.throws(() => parseConfig('{', 'c.json'), /not valid JSON/);
    assert.throws(() => parseConfig('[]', 'c.json'), /must hold a JSON object/);
    assert.throws(() => parseConfig('{"hots": "x"}', 'c.json'), /unknown key "hots"/);
    assert.throws(() => parseConfig('{"password": "x"}', 'c.json'), /unknown key "password"/);
    assert.throws(() => parseConfig('{"server": {"user": "x"}}', 'c.json'), /unknown key "server.user"/);
    assert.throws(() => parseConfig('{"chat": 3}', 'c.json'), /"chat" must be an object/);
    const file = join(scratch, 'typed.json');
    writeFileSync(file, JSON.stringify({ port: 'many' }));
    assert.throws(() => resolveChat(['--config', file], {}), new RegExp(`${file}: port: expected a JSON number`));
    // Text that looks right is still the wrong JSON type.
    writeFileSync(file, JSON.stringify({ port: '5613' }));
    assert.throws(() => resolveChat(['--config', file], {}), /port: expected a JSON number, got "5613"/);
    writeFileSync(file, JSON.stringify({ server: { logBodies: 'yes' } }));
    assert.throws(
      () => resolveOptions({ command: 'server', flags: { config: file }, env: { SECURECHAT_HOME: scratch } }),
      /logBodies: expected a JSON boolean/,
    );
  });

  test('a fingerprint must look like one', () => {
    assert.throws(() => resolveChat(['--fingerprint', 'foo'], { SECURECHAT_HOME: scratch }), /--fingerprint: expected a key fingerprint/);
    const good = 'SHA256:PRS3zQiC1AiJRXZ0Rhddzcl0LmgPJxV2tMCvEu6Niw0';
    assert.doesNotThrow(() => resolveChat(['--fingerprint', good], { SECURECHAT_HOME: scratch }));
  });
});

describe('home folder', () => {
  const cases: Array<[string, string | undefined, Record<string, string>, string, string]> = [
    ['--home wins', 'flag-home', { SECURECHAT_HOME: '/env', XDG_DATA_HOME: '/xdg', HOME: '/h' }, '/work/flag-home', '--home'],
    ['then SECURECHAT_HOME', undefined, { SECURECHAT_HOME: '/env', XDG_DATA_HOME: '/xdg', HOME: '/h' }, '/env', 'SECURECHAT_HOME'],
    ['then XDG_DATA_HOME', undefined, { XDG_DATA_HOME: '/xdg', HOME: '/h' }, '/xdg/securechat', 'XDG_DATA_HOME'],
    ['a relative XDG_DATA_HOME is ignored (XDG spec)', undefined, { XDG_DATA_HOME: 'rel', HOME: '/h' }, '/h/.local/share/securechat', 'default'],
    ['then ~/.local/share', undefined, { HOME: '/h' }, '/h/.local/share/securechat', 'default'],
  ];
  for (const [name, flag, env, dir, source] of cases) {
    test(name, () => assert.deepEqual(resolveHome(flag, env, '/work'), { dir, source }));
  }
});
