// The real native window under Xvfb: `securechat gui` (the CLI entry, run
// from source under tsx) against a real server, typed into with xdotool,
// looked at through screenshots and the clipboard. Needs Xvfb, xdotool,
// ImageMagick, python3 and a built webview-nodejs; skipped by name without.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ChatClient } from '../../src/net/client.ts';
import type { ChatMessage } from '../../src/net/schema.ts';
import { writeUiDocument } from '../../src/ui/build.mjs';
import { type TestServer, heardPresence, nextEvent, startTestServer } from '../helpers/harness.ts';
import { type Display, TEST_OUTPUT, countColour, findWindow, nativeMissing, screenshot, sleep, startXvfb, stopProcess, typeText, until, x11, xdotool } from './xvfb.ts';

const PASSWORD = 'correct horse battery';
const skip = nativeMissing();
/** Colours of the light theme (assets/style.css): the accent (Login, Send) and others' lines. */
const ACCENT: [number, number, number] = [31, 95, 214];
const OTHER: [number, number, number] = [11, 87, 176];

interface Gui {
  process: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
  window: string;
}

describe('native window under Xvfb', () => {
  let display: Display;
  let harness: TestServer;
  let bob: ChatClient;
  const homes: string[] = [];

  before(async () => {
    if (skip) return;
    await writeUiDocument(); // dist/ui/securechat.html, as `npm run build` makes it
    display = await startXvfb();
    harness = await startTestServer();
    bob = await harness.client();
    await bob.register('bob', PASSWORD);
    const alice = await harness.client();
    await alice.register('alice', PASSWORD);
    alice.close();
  });
  after(async () => {
    await harness?.cleanup();
    await display?.stop();
    homes.forEach((home) => rmSync(home, { recursive: true, force: true }));
  });

  async function startGui(extraEnv: NodeJS.ProcessEnv = {}): Promise<Gui> {
    const home = mkdtempSync(join(tmpdir(), 'securechat-gui-home-'));
    homes.push(home);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'gui', '--host', '127.0.0.1', '--port', String(harness.server.port)], {
      env: { ...display.env, SECURECHAT_HOME: home, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const window = await findWindow(display, '^securechat');
    return { process: child, exited, output: () => output, window };
  }

  /** The region of the message log, from the window's geometry. */
  async function logRegion(gui: Gui) {
    const geometry = await xdotool(display, 'getwindowgeometry', '--shell', gui.window);
    const value = (key: string) => Number(/^(\w+)=(\d+)$/m.exec(geometry.split('\n').find((line) => line.startsWith(`${key}=`)) ?? '')?.[2] ?? NaN);
    const [x, y, width, height] = [value('X'), value('Y'), value('WIDTH'), value('HEIGHT')];
    return { x: x + 210, y: y + 80, width: width - 210 - 190, height: height - 80 - 90 };
  }

  async function logIn(gui: Gui, user: string, picture?: string): Promise<void> {
    // Ready when the login panel is painted (its Login button is the accent colour).
    await until('the login panel', async () => ((await countColour(display, ACCENT, { x: 0, y: 0, width: 980, height: 680 })) > 500 ? true : undefined));
    await sleep(300);
    if (picture !== undefined) await screenshot(display, picture);
    await xdotool(display, 'windowfocus', '--sync', gui.window);
    // The username field has the focus when the panel opens.
    await xdotool(display, 'type', '--delay', '40', user);
    await xdotool(display, 'key', 'Tab');
    await xdotool(display, 'type', '--delay', '40', PASSWORD);
    await xdotool(display, 'key', 'Return');
    // First contact (each run has a fresh home): the window asks whether to trust the server's key,
    // with the focus on the question; Tab reaches "Trust and continue".
    await sleep(1500);
    await xdotool(display, 'key', 'Tab');
    await xdotool(display, 'key', 'Return');
    const title = `securechat — ${user}@127.0.0.1:${harness.server.port}`;
    await until(`the title "${title}"`, async () => ((await xdotool(display, 'getwindowname', gui.window)) === title ? true : undefined), 30_000);
    await sleep(500); // the input takes the focus once the chat view is drawn
  }

  test('log in, send a line a second client receives, show its reply, File → Exit ends with 0', { skip }, async () => {
    const gui = await startGui();
    try {
      await logIn(gui, 'alice', join(TEST_OUTPUT, 'native-login.png'));

      // Typed with xdotool, non-ASCII and emoji included, and characters that
      // need escaping on the way through the bindings.
      const line = 'hello from the native window — ünïcödé ✓ 🎉 "quoted" \\ back';
      const received = nextEvent<[ChatMessage, boolean]>(bob, 'message', 30_000);
      await typeText(display, line);
      await xdotool(display, 'key', 'Return');
      const [message] = await received;
      assert.equal(message.from, 'alice');
      assert.equal(message.body, line);

      const region = await logRegion(gui);
      assert.equal(await countColour(display, OTHER, region, 16), 0, 'no line of others yet');
      const reply = 'reply from bob <b>stays text</b>';
      await bob.send('general', reply);
      await until('the reply drawn in the log', async () => ((await countColour(display, OTHER, region, 16)) > 50 ? true : undefined), 20_000);
      await screenshot(display, join(TEST_OUTPUT, 'native-window.png'));

      // And the reply is the text the page shows: select all, copy, read the clipboard.
      await xdotool(display, 'mousemove', String(region.x + region.width / 2), String(region.y + region.height - 20), 'click', '1');
      await xdotool(display, 'key', 'ctrl+a', 'ctrl+c');
      const shown = await until('the clipboard', async () => {
        const text = await x11(display, 'clipboard');
        return text.includes(reply) ? text : undefined;
      }, 10_000);
      assert.ok(shown.includes(line), 'the sent line is shown too');

      // File → Exit from the keyboard: logs out (bob sees alice leave), exit status 0.
      const offline = heardPresence(bob, 'alice', 'offline', 30_000);
      await xdotool(display, 'key', 'alt+f');
      await sleep(300);
      await screenshot(display, join(TEST_OUTPUT, 'native-file-menu.png'));
      await xdotool(display, 'key', 'Down', 'Return');
      await offline;
      assert.equal(await gui.exited, 0, gui.output());
    } finally {
      await stopProcess(gui.process);
    }
  });

  test('closing the window (the window manager\'s close request) logs out and ends with 0', { skip }, async () => {
    const gui = await startGui();
    try {
      const online = heardPresence(bob, 'alice', 'online', 30_000);
      await logIn(gui, 'alice');
      await online;
      const offline = heardPresence(bob, 'alice', 'offline', 30_000);
      await x11(display, 'close', gui.window);
      await offline;
      assert.equal(await gui.exited, 0, gui.output());
    } finally {
      await stopProcess(gui.process);
    }
  });

  test('the dark system theme reaches the page (GTK_THEME=Adwaita:dark → prefers-color-scheme: dark)', { skip }, async () => {
    const gui = await startGui({ GTK_THEME: 'Adwaita:dark' });
    try {
      const DARK_BACKGROUND: [number, number, number] = [23, 24, 27]; // --bg of the dark palette
      await until('the dark login panel', async () => ((await countColour(display, DARK_BACKGROUND, { x: 0, y: 40, width: 200, height: 400 }, 6)) > 50_000 ? true : undefined));
      await screenshot(display, join(TEST_OUTPUT, 'native-dark-login.png'));
      await x11(display, 'close', gui.window);
      assert.equal(await gui.exited, 0, gui.output());
    } finally {
      await stopProcess(gui.process);
    }
  });
});
