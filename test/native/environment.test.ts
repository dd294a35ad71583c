// What `securechat gui` says when the machine cannot show a window.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkDisplay, explainLoadFailure } from '../../src/native/environment.ts';

describe('desktop environment checks', () => {
  test('no display: says to set DISPLAY or use xvfb-run', () => {
    const check = checkDisplay({});
    assert.equal(check.ok, false);
    assert.match(check.ok ? '' : check.problem, /no display.*set DISPLAY.*xvfb-run/is);
    assert.deepEqual(checkDisplay({ DISPLAY: ':0' }), { ok: true, value: ':0' });
    assert.deepEqual(checkDisplay({ WAYLAND_DISPLAY: 'wayland-0' }), { ok: true, value: 'wayland-0' });
  });

  test('a missing binding: what to apt-get install and what to rebuild', () => {
    const notInstalled = explainLoadFailure("Cannot find module 'webview-nodejs'\nRequire stack: …");
    assert.match(notInstalled, /not installed/);
    assert.match(notInstalled, /apt-get install cmake g\+\+ make pkg-config libwebkit2gtk-4\.0-dev/);
    assert.match(notInstalled, /npm install/);
    const notBuilt = explainLoadFailure('Could not locate the bindings file. Tried:\n → /x/build/libwebview.node');
    assert.match(notBuilt, /never built.*npm rebuild libwebview-nodejs/s);
    const noLibrary = explainLoadFailure('libwebkit2gtk-4.0.so.37: cannot open shared object file: No such file or directory');
    assert.match(noLibrary, /libwebkit2gtk-4\.0-37/);
    for (const text of [notInstalled, notBuilt, noLibrary]) assert.match(text, /terminal client .* work without it/);
  });

  test('`securechat gui` without a display exits 1 and says why', () => {
    const home = mkdtempSync(join(tmpdir(), 'securechat-gui-nodisplay-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, SECURECHAT_HOME: home };
      delete env.DISPLAY;
      delete env.WAYLAND_DISPLAY;
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'gui', '--port', '1'], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /securechat gui: no display/);
      assert.match(result.stderr, /xvfb-run/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
