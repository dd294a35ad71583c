// The real UI document in headless Chromium against a real server on port 0.
// The page's two bindings are backed by a ClientSession in this process,
// exactly as the native host's worker backs them in the desktop window.

import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ChatClient } from '../../src/net/client.ts';
import type { ChatMessage } from '../../src/net/schema.ts';
import { startServer } from '../../src/server/server.ts';
import { type TestServer, heardPresence, nextEvent, startTestServer, waitFor } from '../helpers/harness.ts';
import { TEST_OUTPUT } from '../native/xvfb.ts';
import { chromiumMissing, launchChromium, openUiWindow, type UiWindow } from './browser.ts';

const PASSWORD = 'correct horse battery';
const skip = chromiumMissing();

/** A window whose home already trusts the server's key (the first-contact question has its own tests). */
async function openTrusted(browser: Browser, harness: TestServer): Promise<UiWindow> {
  const ui = await openUiWindow(browser, { host: '127.0.0.1', port: harness.server.port });
  const pins = { [`127.0.0.1:${harness.server.port}`]: { fingerprint: harness.server.fingerprint, firstSeen: new Date().toISOString() } };
  writeFileSync(join(ui.home, 'known_servers.json'), JSON.stringify(pins), { mode: 0o600 });
  return ui;
}

async function fillLogin(ui: UiWindow, fields: { server?: string; username: string; password: string }): Promise<void> {
  const { page } = ui;
  if (fields.server !== undefined) await page.fill('#server', fields.server);
  await page.fill('#username', fields.username);
  await page.fill('#password', fields.password);
}

describe('desktop UI in headless Chromium, against a real server', () => {
  let harness: TestServer;
  let browser: Browser;
  let bob: ChatClient;
  let address: string;

  before(async () => {
    if (skip) return;
    harness = await startTestServer({ messageRate: { burst: 1000, perSecond: 1000 } });
    address = `127.0.0.1:${harness.server.port}`;
    browser = await launchChromium();
    bob = await harness.client();
    await bob.register('bob', PASSWORD);
    const carol = await harness.client();
    await carol.register('carol', PASSWORD);
    await carol.send('general', 'an earlier line, before alice arrived');
    carol.close();
  });
  after(async () => {
    await browser?.close();
    await harness?.cleanup();
  });

  test('register, send, receive from another client, switch user by the File menu, Help → Commands', { skip }, async () => {
    const ui = await openUiWindow(browser, { host: '127.0.0.1', port: harness.server.port });
    const { page } = ui;
    try {
      // The login panel is pre-filled with the host's default server.
      await page.waitForFunction((expected) => (document.querySelector('#server') as HTMLInputElement | null)?.value === expected, address);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'username', 'the username field has the focus');

      await fillLogin(ui, { username: 'alice', password: PASSWORD });
      await page.click('#register');
      // First contact: the window asks about the server's key before sending anything.
      const question = page.locator('.new-key');
      await question.waitFor();
      assert.ok(((await question.textContent()) ?? '').includes(harness.server.fingerprint), 'shows the server\'s fingerprint');
      assert.match((await question.textContent()) ?? '', /Compare it with the one the server's operator gave you/);
      assert.equal(await page.evaluate(() => document.activeElement?.className), 'new-key', 'the question has the focus');
      assert.equal(ui.events.some((e) => e.type === 'session'), false);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'trust-key');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.conversation');
      assert.equal(await page.title(), `securechat — alice@${address}`);
      await page.waitForSelector('.status .state:text("Connected")');
      assert.match(await page.textContent('.status .key') ?? '', /SHA256:\S+ \(new, pinned\)/);
      // The history sent on login is on screen.
      await page.waitForSelector('.line.other:has-text("an earlier line, before alice arrived")');

      // Send: Enter in the input; the other client receives it.
      const received = nextEvent<[ChatMessage, boolean]>(bob, 'message');
      await page.fill('#message-input', 'hello from the window ✓');
      await page.press('#message-input', 'Enter');
      const [message] = await received;
      assert.equal(message.body, 'hello from the window ✓');
      assert.equal(message.from, 'alice');
      await page.waitForSelector('.line.own:not(.pending):has-text("hello from the window ✓")');
      assert.equal(await page.inputValue('#message-input'), '', 'the input is cleared after sending');

      // Receive from the other client; markup in it stays text.
      await bob.send('general', 'hi alice <b>not bold</b> <img src=x onerror="window.__pwned=1">');
      const line = page.locator('.line.other', { hasText: 'hi alice' });
      await line.waitFor();
      assert.equal(await line.locator('.body').textContent(), 'hi alice <b>not bold</b> <img src=x onerror="window.__pwned=1">');
      assert.equal(await line.locator('b, img').count(), 0);
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);

      // Control characters from another client are shown escaped, like the terminal client shows them
      // (not as empty boxes); a right-to-left override too; tab and line break are kept.
      await bob.send('general', 'ctl \x1b[31mred\x1b[0m bell\x07 \u202eevil\tcol\nnext 🎉');
      const controls = page.locator('.line.other', { hasText: 'ctl ' });
      await controls.waitFor();
      assert.equal(await controls.locator('.body').textContent(), 'ctl \\x1b[31mred\\x1b[0m bell\\x07 \\u202eevil\tcol\nnext 🎉');
      assert.deepEqual(await controls.locator('.body .bidi-control').allTextContents(), ['\\x1b', '\\x1b', '\\x07', '\\u202e']);

      // Own lines green, others' blue (computed colours differ and match the palette).
      const colour = (selector: string) => page.locator(selector).first().evaluate((element) => getComputedStyle(element).color);
      assert.equal(await colour('.line.own .body'), 'rgb(23, 115, 58)');
      assert.equal(await colour('.line.other .body'), 'rgb(11, 87, 176)');

      // Up recalls the last line sent.
      await page.focus('#message-input');
      await page.keyboard.press('ArrowUp');
      assert.equal(await page.inputValue('#message-input'), 'hello from the window ✓');
      await page.fill('#message-input', '');

      // Help → Commands, by keyboard.
      await page.keyboard.press('Alt+h');
      await page.waitForSelector('[role="menu"] >> text=Commands');
      await page.keyboard.press('Enter');
      const dialog = page.locator('[role="dialog"]');
      await dialog.waitFor();
      assert.match(await dialog.textContent() ?? '', /\/join ROOM.*\/leave \[ROOM\].*\/history \[N\].*\/logout.*\/quit/s);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });

      // File → Logout / Switch User, by mouse; the server sees alice leave.
      const offline = heardPresence(bob, 'alice', 'offline');
      await page.click('#menu-file');
      await page.click('[role="menuitem"][data-item="logout"]');
      await page.waitForSelector('.login-form');
      await offline;
      assert.equal(await page.title(), 'securechat');

      // Log in as someone else in the same window, with Enter.
      await fillLogin(ui, { username: 'carol', password: PASSWORD });
      await page.press('#password', 'Enter');
      await page.waitForSelector('.conversation');
      assert.equal(await page.textContent('.whoami'), `carol@${address}`);
      await page.waitForSelector('.users li.me:has-text("carol")');
      // Same server, already pinned: no longer "new".
      assert.match(await page.textContent('.status .key') ?? '', /SHA256:\S+ \(pinned\)$/);
      assert.deepEqual(ui.problems, []);
    } finally {
      await ui.close();
    }
  });

  test('first contact, Cancel: nothing is sent, nothing pinned, and the panel says so', { skip }, async () => {
    const ui = await openUiWindow(browser, { host: '127.0.0.1', port: harness.server.port });
    const { page } = ui;
    try {
      await fillLogin(ui, { username: 'dora', password: PASSWORD });
      await page.click('#register');
      await page.locator('.new-key').waitFor();
      assert.ok(((await page.textContent('.new-key')) ?? '').includes(harness.server.fingerprint));
      await page.click('#reject-key');
      await page.waitForSelector('.form-error');
      assert.match((await page.textContent('.form-error')) ?? '', /did not trust the server's key, so nothing was sent/);
      assert.equal(await page.locator('.new-key').count(), 0);
      assert.equal(existsSync(join(ui.home, 'known_servers.json')), false, 'nothing pinned');
      // The registration never reached the server: the name is still free.
      const dora = await harness.client();
      await dora.register('dora', PASSWORD);
      dora.close();
      // Asking again, and Escape is Cancel too.
      await page.click('#login');
      await page.locator('.new-key').waitFor();
      await page.keyboard.press('Escape');
      await page.waitForSelector('.form-error');
      assert.equal(ui.events.some((e) => e.type === 'session'), false);
      assert.deepEqual(ui.problems, []);
    } finally {
      await ui.close();
    }
  });

  test('slash commands: /join, /users, /rooms, /leave, /help, unknown ones', { skip }, async () => {
    const ui = await openTrusted(browser, harness);
    const { page } = ui;
    try {
      await fillLogin(ui, { username: 'bob', password: PASSWORD });
      await page.press('#password', 'Enter');
      await page.waitForSelector('.conversation');
      const run = async (text: string) => {
        await page.fill('#message-input', text);
        await page.press('#message-input', 'Enter');
      };
      await run('/join sales');
      await page.waitForSelector('.rooms li.current:has-text("#sales")');
      await page.waitForSelector('.room-header h1:text("#sales")');
      await run('/users');
      await page.waitForSelector('.line.info:has-text("Online (")');
      await run('/rooms');
      await page.waitForSelector('.line.info:has-text("#sales")');
      await run('/help');
      await page.waitForSelector('.line.info:has-text("/history [N]")');
      await run('/nonsense');
      await page.waitForSelector('.line.error:has-text("Unknown command /nonsense")');
      assert.equal(await page.inputValue('#message-input'), '/nonsense', 'a mistyped command stays in the input to be fixed');
      await run('/leave');
      await page.waitForSelector('.room-header h1:text("#general")');
      assert.equal(await page.locator('.rooms li:has-text("#sales")').count(), 0);
      await run('/leave general');
      await page.waitForSelector('.line.error:has-text("Leave failed")');
      assert.deepEqual(ui.problems, []);
    } finally {
      await ui.close();
    }
  });

  test('unread counts on rooms not on screen', { skip }, async () => {
    const ui = await openTrusted(browser, harness);
    const { page } = ui;
    const dave = await harness.client();
    try {
      await dave.register('dave', PASSWORD);
      await dave.join('ops');
      await fillLogin(ui, { username: 'bob', password: PASSWORD });
      await page.press('#password', 'Enter');
      await page.waitForSelector('.conversation');
      await page.fill('#join-room', 'ops');
      await page.press('#join-room', 'Enter');
      await page.waitForSelector('.room-header h1:text("#ops")');
      await page.click('.rooms button.room:has-text("#general")');
      await dave.send('ops', 'one');
      await dave.send('ops', 'two');
      await page.waitForSelector('.rooms li:has-text("#ops") .badge:text("2")');
      await page.click('.rooms button.room:has-text("#ops")');
      await page.waitForSelector('.line.other:has-text("two")');
      assert.equal(await page.locator('.rooms li:has-text("#ops") .badge').count(), 0);
    } finally {
      dave.close();
      await ui.close();
    }
  });

  test('login errors: field checks, wrong password, taken name, unreachable server, changed server key', { skip }, async () => {
    const ui = await openTrusted(browser, harness);
    const { page } = ui;
    try {
      await page.waitForFunction((expected) => (document.querySelector('#server') as HTMLInputElement | null)?.value === expected, address);
      // Nothing typed: both fields say what is missing, nothing is sent.
      await page.click('#login');
      assert.equal(await page.textContent('#username-error'), 'Enter your username');
      assert.equal(await page.textContent('#password-error'), 'Enter your password');
      assert.equal(ui.actions.length, 0);

      await fillLogin(ui, { username: 'bob', password: 'not the password' });
      await page.click('#login');
      await page.waitForSelector('#password-error');
      assert.equal(await page.textContent('#password-error'), 'wrong username or password');

      await fillLogin(ui, { username: 'bob', password: PASSWORD });
      await page.click('#register');
      await page.waitForSelector('#username-error');
      assert.match(await page.textContent('#username-error') ?? '', /"bob" is already taken/);

      // A server that is not there.
      const closed = await startTestServer();
      const closedPort = closed.server.port;
      await closed.cleanup();
      await fillLogin(ui, { server: `127.0.0.1:${closedPort}`, username: 'bob', password: PASSWORD });
      await page.click('#login');
      await page.waitForSelector('#server-error');
      assert.match(await page.textContent('#server-error') ?? '', /connection refused/);

      // A pinned key that the server no longer has.
      const pinned = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      writeFileSync(join(ui.home, 'known_servers.json'), JSON.stringify({ [address]: { fingerprint: pinned, firstSeen: new Date().toISOString() } }));
      await fillLogin(ui, { server: address, username: 'bob', password: PASSWORD });
      await page.click('#login');
      const panel = page.locator('.key-changed');
      await panel.waitFor();
      const text = (await panel.textContent()) ?? '';
      assert.ok(text.includes(pinned), 'shows the pinned fingerprint');
      assert.ok(text.includes(harness.server.fingerprint), 'shows the presented fingerprint');
      assert.ok(text.includes('No password was sent'));
      assert.ok(text.includes(join(ui.home, 'known_servers.json')), 'says which file holds the pin');
      assert.ok(!ui.events.some((e) => e.type === 'session'), 'never logged in');
      assert.deepEqual(ui.problems, []);
    } finally {
      await ui.close();
    }
  });

  test('File → Exit logs out: the server sees the user leave', { skip }, async () => {
    const ui = await openTrusted(browser, harness);
    const { page } = ui;
    try {
      const online = heardPresence(bob, 'carol', 'online');
      await fillLogin(ui, { username: 'carol', password: PASSWORD });
      await page.press('#password', 'Enter');
      await page.waitForSelector('.conversation');
      await online;
      const offline = heardPresence(bob, 'carol', 'offline');
      await page.keyboard.press('Alt+f');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await offline;
      assert.equal(ui.actions.at(-1)?.type, 'exit');
    } finally {
      await ui.close();
    }
  });
});

describe('desktop UI across a server restart', () => {
  let harness: TestServer;
  let browser: Browser;

  before(async () => {
    if (skip) return;
    harness = await startTestServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await harness?.cleanup();
  });

  test('the status line shows the reconnect, the session resumes, and lines keep arriving', { skip }, async () => {
    const ui = await openTrusted(browser, harness);
    const { page } = ui;
    try {
      await fillLogin(ui, { username: 'alice', password: PASSWORD });
      await page.click('#register');
      await page.waitForSelector('.conversation');
      await harness.restart();
      await page.waitForSelector('.status .state:text("Reconnecting…")');
      await page.waitForSelector('.line.info:has-text("Reconnected; the session was resumed.")', { timeout: 30_000 });
      await page.waitForSelector('.status .state:text("Connected")');
      const bob = await harness.client();
      await bob.register('bob', PASSWORD);
      await bob.send('general', 'after the restart');
      await page.waitForSelector('.line.other:has-text("after the restart")');
      assert.equal(await page.textContent('.whoami'), `alice@127.0.0.1:${harness.server.port}`);
      assert.deepEqual(ui.problems, []);
    } finally {
      await ui.close();
    }
  });
});

describe('desktop UI: lines typed while the server is down', () => {
  let harness: TestServer;
  let browser: Browser;
  const FAST = { burst: 1000, perSecond: 1000 };

  before(async () => {
    if (skip) return;
    harness = await startTestServer({ messageRate: FAST });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await harness?.cleanup();
  });

  /** Stops the server; `back()` starts it again on the same port with the same data (harness.restart, in two halves). */
  async function outage(): Promise<{ back(): Promise<void> }> {
    const port = harness.server.port;
    await harness.server.stop('restarting for a test');
    return {
      async back() {
        harness.server = await startServer({
          host: '127.0.0.1',
          port,
          dataDir: harness.dataDir,
          log: (event, fields = {}) => harness.logs.push({ event, ...fields }),
          messageRate: FAST,
        });
      },
    };
  }

  /** A library client that reconnects quickly, with every line it receives (live and missed). */
  async function listener(name: string): Promise<{ client: ChatClient; received: ChatMessage[] }> {
    const client = await harness.client({ reconnectDelay: () => 100 });
    await client.register(name, PASSWORD);
    const received: ChatMessage[] = [];
    client.on('message', (message) => received.push(message));
    return { client, received };
  }

  async function loggedIn(username: string): Promise<UiWindow> {
    const ui = await openTrusted(browser, harness);
    await fillLogin(ui, { username, password: PASSWORD });
    await ui.page.click('#register');
    await ui.page.waitForSelector('.conversation');
    await ui.page.waitForSelector('.status .state:text("Connected")');
    return ui;
  }

  test('the line shows as waiting, goes out once when the server is back, and shows as sent', { skip }, async () => {
    const erin = await listener('erin');
    const ui = await loggedIn('dora');
    const { page } = ui;
    const text = 'typed while the server was down ✓';
    try {
      await page.fill('#message-input', 'before the outage');
      await page.press('#message-input', 'Enter');
      await waitFor(() => erin.received.some((m) => m.body === 'before the outage'), 'erin gets the first line');

      const server = await outage();
      await page.waitForSelector('.status .state:text("Reconnecting…")');
      await page.fill('#message-input', text);
      await page.press('#message-input', 'Enter');
      const line = page.locator('.line.own', { hasText: text });
      await page.waitForSelector(`.line.own.pending.waiting:has-text("${text}")`);
      assert.equal(await line.locator('.line-state').textContent(), 'queued');
      assert.equal(await line.locator('.line-state').getAttribute('title'), 'Not connected: the line will be sent once the connection is back');
      // Still waiting after the client has tried (and failed) to reconnect: not given up on, not struck out.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(await line.count(), 1);
      assert.match((await line.getAttribute('class')) ?? '', /\bpending\b/);
      assert.doesNotMatch((await line.getAttribute('class')) ?? '', /\bfailed\b/);
      assert.equal(await page.locator('.line.error', { hasText: 'Not sent' }).count(), 0);
      assert.equal(await page.inputValue('#message-input'), '', 'the input is cleared: the line is in the queue');
      assert.equal(ui.events.some((e) => e.type === 'sendFailed'), false);
      await page.screenshot({ path: join(TEST_OUTPUT, 'ui', 'e2e-line-waiting-for-connection.png') });

      await server.back();
      await page.waitForSelector(`.line.own:not(.pending):has-text("${text}")`, { timeout: 30_000 });
      await page.waitForSelector('.status .state:text("Connected")');
      await waitFor(() => erin.received.some((m) => m.body === text), 'erin gets the line typed during the outage', 30_000);
      // Give a duplicate every chance to show up (erin's own missed-line catch-up included).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(erin.received.filter((m) => m.body === text).length, 1, 'the other user receives it exactly once');
      const stored = await erin.client.history('general', { limit: 50 });
      assert.equal(stored.messages.filter((m) => m.body === text).length, 1, 'the server stored it once');
      assert.equal(await line.count(), 1, 'shown once');
      assert.equal(await line.getAttribute('data-id'), String(stored.messages.find((m) => m.body === text)?.id), 'confirmed with its id');
      assert.equal(await line.locator('.line-state').count(), 0);
      assert.equal(ui.events.filter((e) => e.type === 'sent' && e.message.body === text).length, 1);
      assert.equal(ui.events.some((e) => e.type === 'sendFailed'), false);
      await page.screenshot({ path: join(TEST_OUTPUT, 'ui', 'e2e-line-sent-after-reconnect.png') });
      assert.deepEqual(ui.problems, []);
    } finally {
      erin.client.close();
      await ui.close();
    }
  });

  test('at most 100 lines wait: the 101st is marked not sent, the 100 go out once each, in order', { skip }, async () => {
    const fred = await listener('fred');
    const ui = await loggedIn('gail');
    const { page } = ui;
    const lines = Array.from({ length: 101 }, (_, i) => `queued line ${i + 1}`);
    try {
      const server = await outage();
      await page.waitForSelector('.status .state:text("Reconnecting…")');
      for (const body of lines) {
        await page.fill('#message-input', body);
        await page.press('#message-input', 'Enter');
      }
      const last = page.locator('.line.own', { hasText: 'queued line 101' });
      await page.waitForSelector('.line.own.failed:has-text("queued line 101")');
      assert.equal(await last.locator('.line-state').getAttribute('title'), 'Not sent');
      await page.waitForSelector('.line.error:has-text("Not sent: 100 lines are already waiting to be sent")');
      assert.equal(await page.locator('.line.own.pending').count(), 100);
      await page.screenshot({ path: join(TEST_OUTPUT, 'ui', 'e2e-queue-full.png') });

      await server.back();
      await waitFor(() => fred.received.filter((m) => m.body.startsWith('queued line')).length >= 100, 'fred gets 100 lines', 30_000);
      await page.waitForFunction(() => document.querySelectorAll('.line.own.pending').length === 0, undefined, { timeout: 30_000 });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.deepEqual(
        fred.received.filter((m) => m.body.startsWith('queued line')).map((m) => m.body),
        lines.slice(0, 100),
        'each once, in the order typed',
      );
      assert.equal(await page.locator('.line.own.failed').count(), 1);
      assert.deepEqual(ui.problems, []);
    } finally {
      fred.client.close();
      await ui.close();
    }
  });
});

describe('the log opens at the newest line and stays there, with wrapping lines in a small window', () => {
  let harness: TestServer;
  let browser: Browser;
  let dave: ChatClient;
  const long = (n: number) => `long line ${n}: ${'words that wrap across several rows of the log '.repeat(10)}end of ${n}`;

  before(async () => {
    if (skip) return;
    harness = await startTestServer({ messageRate: { burst: 1000, perSecond: 1000 } });
    browser = await launchChromium();
    dave = await harness.client();
    await dave.register('dave', PASSWORD);
    const erin = await harness.client();
    await erin.register('erin', PASSWORD);
    erin.close();
    // About 15 lines of history, one of them long enough to wrap (the reported case), and a few more.
    for (let i = 1; i <= 7; i++) await dave.send('general', `history line ${i}`);
    await dave.send('general', long(1));
    for (let i = 8; i <= 14; i++) await dave.send('general', `history line ${i}`);
    await dave.send('general', long(2));
    await dave.send('general', 'the newest line');
  });
  after(async () => {
    await browser?.close();
    await harness?.cleanup();
  });

  test('after login, while wrapping lines arrive, and after a room switch', { skip }, async () => {
    const ui = await openUiWindow(browser, { host: '127.0.0.1', port: harness.server.port }, { width: 700, height: 420 });
    const pins = { [`127.0.0.1:${harness.server.port}`]: { fingerprint: harness.server.fingerprint, firstSeen: new Date().toISOString() } };
    writeFileSync(join(ui.home, 'known_servers.json'), JSON.stringify(pins), { mode: 0o600 });
    const { page } = ui;
    // Distance from the bottom once layout has settled (two frames: lines out of view are
    // laid out at an estimated height until drawn, and only then wrap).
    const distance = async () => {
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      return page.$eval('.log', (log) => log.scrollHeight - log.scrollTop - log.clientHeight);
    };
    const newestInView = (text: string) =>
      page.$eval('.log', (log, wanted) => {
        const line = [...log.querySelectorAll('.line')].at(-1)!;
        const box = log.getBoundingClientRect();
        const rect = line.getBoundingClientRect();
        return line.textContent!.includes(wanted) && rect.top >= box.top && rect.bottom <= box.bottom + 1;
      }, text);
    try {
      await fillLogin(ui, { username: 'erin', password: PASSWORD });
      await page.press('#password', 'Enter');
      await page.waitForSelector('.line.other:has-text("the newest line")');
      assert.ok((await page.$eval('.log', (log) => log.scrollHeight - log.clientHeight)) > 200, 'the history is taller than the log');
      assert.ok((await distance()) < 2, 'opens at the bottom');
      assert.equal(await newestInView('the newest line'), true, 'the newest line is in view');

      // Live lines, wrapping ones among them, keep the view at the bottom.
      for (let i = 3; i <= 6; i++) {
        await dave.send('general', long(i));
        await dave.send('general', `live ${i}`);
      }
      await page.waitForSelector('.line.other:has-text("live 6")');
      assert.ok((await distance()) < 2, 'still at the bottom after wrapping lines arrived');
      assert.equal(await newestInView('live 6'), true);
      assert.equal(await page.locator('.new-messages').count(), 0);

      // Another room and back: the log opens at the newest line again.
      await page.fill('#message-input', '/join side');
      await page.press('#message-input', 'Enter');
      await page.waitForSelector('.room-header h1:text("#side")');
      await page.click('.rooms button.room:has-text("#general")');
      await page.waitForSelector('.room-header h1:text("#general")');
      assert.ok((await distance()) < 2, 'at the bottom after switching back');
      assert.equal(await newestInView('live 6'), true);

      // Scrolled up to read, the view stays put and says new lines came.
      await page.$eval('.log', (log) => log.scrollTo(0, 0));
      await distance();
      await dave.send('general', long(7));
      await page.waitForSelector('.new-messages');
      assert.equal(await page.$eval('.log', (log) => log.scrollTop), 0, 'the reader keeps their place');
      assert.deepEqual(ui.problems, []);
    } finally {
      await ui.close();
    }
  });
});
