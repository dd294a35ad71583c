// Unit tests of the UI components, rendered by preact into a real DOM: a
// test bundle (fixtures/components.ts, same CSS and CSP as the product) in
// headless Chromium. No jsdom: the components are checked in a real browser
// engine, with real layout (wrapping, scrolling) and real key events.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { HostEvent, UiAction } from '../../src/native/bridge-protocol.ts';
import type { ChatMessage } from '../../src/net/schema.ts';
import { buildUiDocument } from '../../src/ui/build.mjs';
import { showControls } from '../../src/ui/control-chars.ts';
import type { LogLine } from '../../src/ui/state.ts';
import { MAX_LINES_PER_ROOM } from '../../src/ui/state.ts';
import { chromiumMissing, launchChromium, watchPage } from './browser.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BLNS_PATH = resolve(REPO_ROOT, process.env.SECURECHAT_BLNS ?? '../shared/corpora/blns.json');
const skip = chromiumMissing();

interface TestApi {
  mount(name: string, props: Record<string, unknown>, callbacks?: string[], returns?: Record<string, unknown>): void;
  mountApp(): void;
  unmount(): void;
  calls: Array<{ name: string; args: unknown[] }>;
  pending: HostEvent[];
  posted: UiAction[];
}
type TestWindow = Window & { __test: TestApi };

function lines(count: number, from = 'bob', start = 1): LogLine[] {
  return Array.from({ length: count }, (_, i) => ({ key: `m${start + i}`, kind: 'other', ts: Date.UTC(2024, 0, 1, 12, 0), from, body: `line ${start + i}`, id: start + i }));
}

describe('UI components in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let problems: string[];

  const mount = (name: string, props: Record<string, unknown>, callbacks: string[] = [], returns: Record<string, unknown> = {}) =>
    page.evaluate(([n, p, c, r]) => (window as unknown as TestWindow).__test.mount(n, p, c, r), [name, props, callbacks, returns] as const);
  const calls = () => page.evaluate(() => (window as unknown as TestWindow).__test.calls);

  before(async () => {
    if (skip) return;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 900, height: 600 } });
    problems = watchPage(page);
    await page.setContent(await buildUiDocument({ entry: join(REPO_ROOT, 'test/ui/fixtures/components.ts') }));
    await page.waitForFunction(() => '__test' in window);
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    if (skip) return;
    await page.evaluate(() => (window as unknown as TestWindow).__test.unmount());
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    problems.length = 0;
  });

  describe('LoginPanel', () => {
    const props = { defaults: { host: 'chat.example.com', port: 5555 }, busy: false, errors: {} };

    test('checks each field before anything is sent, and says what is wrong beside it', { skip }, async () => {
      await mount('LoginPanel', props, ['onSubmit', 'onInvalid']);
      assert.equal(await page.inputValue('#server'), 'chat.example.com:5555');
      await page.fill('#server', 'chat.example.com:99999');
      await page.click('#login');
      const [invalid] = await calls();
      assert.equal(invalid?.name, 'onInvalid');
      assert.deepEqual(invalid?.args[0], {
        server: 'The port must be a number from 1 to 65535',
        username: 'Enter your username',
        password: 'Enter your password',
      });
    });

    test('Enter in the password field logs in; Register asks for 8 characters', { skip }, async () => {
      await mount('LoginPanel', props, ['onSubmit', 'onInvalid']);
      await page.fill('#server', '[::1]:6000');
      await page.fill('#username', 'ｂｏｂ'); // NFKC folds full-width letters
      await page.fill('#password', 'short');
      await page.click('#register');
      await page.press('#password', 'Enter');
      assert.deepEqual(await calls(), [
        { name: 'onInvalid', args: [{ password: 'Choose a password of at least 8 characters' }] },
        { name: 'onSubmit', args: [{ host: '::1', port: 6000, username: 'bob', password: 'short', register: false }] },
      ]);
    });

    test('server errors show beside their field, and a form error below', { skip }, async () => {
      await mount('LoginPanel', { ...props, errors: { username: 'That name is taken' } });
      assert.equal(await page.textContent('#username-error'), 'That name is taken');
      assert.equal(await page.getAttribute('#username', 'aria-invalid'), 'true');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'username', 'the caret goes to the field in error');
      await mount('LoginPanel', { ...props, errors: { form: 'Too many attempts (try again in 30 s)' } });
      assert.equal(await page.textContent('.form-error'), 'Too many attempts (try again in 30 s)');
    });

    test('busy: the buttons are disabled and say so', { skip }, async () => {
      await mount('LoginPanel', { ...props, busy: true }, ['onSubmit', 'onInvalid']);
      assert.equal(await page.textContent('#login'), 'Connecting…');
      assert.equal(await page.isDisabled('#login'), true);
      assert.equal(await page.isDisabled('#register'), true);
    });

    test('a changed server key: both fingerprints, that no password was sent, and which pin to remove', { skip }, async () => {
      const keyChanged = { address: '10.0.0.5:5555', expected: 'SHA256:old0000000000000000000000000000000000000000', actual: 'SHA256:new1111111111111111111111111111111111111111', pinFile: '/home/a/.local/share/securechat/known_servers.json' };
      await mount('LoginPanel', { ...props, keyChanged });
      const text = (await page.textContent('.key-changed')) ?? '';
      for (const part of [keyChanged.expected, keyChanged.actual, keyChanged.pinFile, '"10.0.0.5:5555"', 'No password was sent']) assert.ok(text.includes(part), part);
      assert.equal(await page.getAttribute('.key-changed', 'role'), 'alert');
    });
  });

  describe('MessageLog', () => {
    test('hostile names and bodies (the Big List of Naughty Strings) are shown as text, never as markup', { skip: skip || (existsSync(BLNS_PATH) ? false : `no corpus at ${BLNS_PATH} (set SECURECHAT_BLNS)`) }, async () => {
      const strings = (JSON.parse(readFileSync(BLNS_PATH, 'utf8')) as unknown[]).filter((s): s is string => typeof s === 'string');
      const hostile: LogLine[] = strings.map((body, i) => ({ key: `m${i + 1}`, kind: i % 2 ? 'own' : 'other', ts: 0, from: strings[(i * 7) % strings.length]!, body, id: i + 1 }));
      await page.evaluate(() => {
        // Anything that runs would set this.
        (window as unknown as { __ran?: boolean }).__ran = false;
      });
      await mount('MessageLog', { room: 'general', lines: hostile, more: false }, ['onOlder']);
      const shown = await page.$$eval('.log .line', (nodes) =>
        nodes.map((node) => ({
          from: node.querySelector('.from')?.textContent ?? '',
          body: node.querySelector('.body')?.textContent ?? '',
          elements: node.querySelectorAll('*:not(.bidi-control)').length,
        })),
      );
      assert.equal(shown.length, hostile.length);
      shown.forEach((line, i) => {
        // Control and bidi characters are shown as escapes (\x1b, \u202e), everything else exactly as sent.
        assert.equal(line.body, showControls(hostile[i]!.body), `body ${i}`);
        assert.equal(line.from, showControls(hostile[i]!.from!), `name ${i}`);
        assert.equal(line.elements, 3, `line ${i} has only time, name and body (and visible escapes)`);
      });
      await page.waitForTimeout(300); // give any injected handler a chance
      assert.equal(await page.evaluate(() => (window as unknown as { __ran?: boolean }).__ran), false);
      assert.equal(await page.evaluate(() => document.querySelectorAll('.log script, .log img, .log iframe, .log a').length), 0);
      assert.deepEqual(problems, []);
    });

    test('C0/C1 control characters (ESC, BEL, CSI …) are shown as escapes like the bidi ones; tab and line feed are kept', { skip }, async () => {
      const body = 'a\x1b[2Jb\x07c\td\ne\x9bf\x00g\x7fh\rz\u202e!';
      await mount(
        'MessageLog',
        { room: 'general', lines: [{ key: 'm1', kind: 'other', ts: Date.UTC(2024, 0, 1, 12, 0), from: 'ev\x1be', body, id: 1 }], more: false },
        ['onOlder'],
      );
      const line = page.locator('.line[data-id="1"]');
      assert.equal(await line.locator('.body').textContent(), 'a\\x1b[2Jb\\x07c\td\ne\\x9bf\\x00g\\x7fh\\rz\\u202e!');
      assert.equal(await line.locator('.from').textContent(), 'ev\\x1be');
      const escapes = await line.locator('.bidi-control').evaluateAll((spans) =>
        spans.map((span) => ({ text: span.textContent, kind: span.getAttribute('data-control'), color: getComputedStyle(span).color, width: span.getBoundingClientRect().width })),
      );
      assert.deepEqual(
        escapes.map((e) => [e.text, e.kind]),
        [['\\x1b', 'control'], ['\\x1b', 'control'], ['\\x07', 'control'], ['\\x9b', 'control'], ['\\x00', 'control'], ['\\x7f', 'control'], ['\\r', 'control'], ['\\u202e', 'bidi']],
      );
      // Drawn like the bidi escapes (muted), with real width: not an empty box, not nothing.
      assert.equal(new Set(escapes.map((e) => e.color)).size, 1);
      assert.ok(escapes.every((e) => e.width > 3 * (e.text ?? '').length), `every escape is drawn: ${JSON.stringify(escapes)}`);
      // The body keeps its real tab and line break: it wraps onto two lines.
      const text = await line.locator('.body').evaluate((element) => [...element.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE).map((node) => node.textContent).join('|'));
      assert.ok(text.includes('c\td\ne'), 'tab and line feed are text, unchanged');
    });

    test('bidi overrides, embeddings, isolates and marks are shown as escapes, not obeyed, and cannot reorder the line', { skip }, async () => {
      const rtl = '\u202eabc\u202c';
      const all = 'x\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061cy';
      await mount(
        'MessageLog',
        {
          room: 'general',
          lines: [
            { key: 'm1', kind: 'other', ts: Date.UTC(2024, 0, 1, 12, 0), from: 'eve\u202e', body: rtl, id: 1 },
            { key: 'm2', kind: 'other', ts: Date.UTC(2024, 0, 1, 12, 0), from: 'bob', body: all, id: 2 },
            { key: 'm3', kind: 'other', ts: Date.UTC(2024, 0, 1, 12, 0), from: 'bob', body: 'שלום עולם', id: 3 },
          ],
          more: false,
        },
        ['onOlder'],
      );
      const first = page.locator('.line[data-id="1"]');
      assert.equal(await first.locator('.body').textContent(), '\\u202eabc\\u202c');
      assert.equal(await first.locator('.from').textContent(), 'eve\\u202e');
      assert.equal(await first.locator('.body .bidi-control').count(), 2);
      // What is on screen reads left to right: "\u202e" then "abc" (not "cba"), in that order.
      const order = await first.locator('.body').evaluate((body) => {
        const range = document.createRange();
        const boxes: Array<{ text: string; x: number }> = [];
        for (const node of body.childNodes) {
          range.selectNodeContents(node);
          boxes.push({ text: node.textContent ?? '', x: range.getBoundingClientRect().left });
        }
        const text = [...body.childNodes].find((node) => node.nodeType === Node.TEXT_NODE)!;
        range.setStart(text, 0);
        range.setEnd(text, 1);
        const a = range.getBoundingClientRect().left;
        range.setStart(text, 2);
        range.setEnd(text, 3);
        return { boxes, aBeforeC: a < range.getBoundingClientRect().left };
      });
      assert.deepEqual(order.boxes.map((box) => box.text), ['\\u202e', 'abc', '\\u202c']);
      assert.ok(order.boxes[0]!.x < order.boxes[1]!.x && order.boxes[1]!.x < order.boxes[2]!.x, 'shown in logical order');
      assert.ok(order.aBeforeC, '"abc" is drawn as "abc", not reversed');
      const second = page.locator('.line[data-id="2"] .body');
      assert.equal(await second.textContent(), 'x\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061cy');
      // Each body and name is isolated: an RTL body cannot move the time or the name.
      for (const id of ['1', '3']) {
        const layout = await page.locator(`.line[data-id="${id}"]`).evaluate((line) => ({
          ts: line.querySelector('.ts')!.getBoundingClientRect().left,
          from: line.querySelector('.from')!.getBoundingClientRect().left,
          body: line.querySelector('.body')!.getBoundingClientRect().left,
          tags: [...line.querySelectorAll('.from, .body')].map((element) => element.tagName),
          isolation: [...line.querySelectorAll('.from, .body')].map((element) => getComputedStyle(element).unicodeBidi),
        }));
        assert.ok(layout.ts < layout.from && layout.from < layout.body, `line ${id}: time, then name, then body`);
        assert.deepEqual(layout.tags, ['BDI', 'BDI']);
        assert.deepEqual(layout.isolation, ['isolate', 'isolate']);
      }
      // The names in the user list too.
      await mount('UserList', { online: ['\u202eevil', 'bob'], me: 'bob' });
      assert.equal(await page.textContent('.users li:first-child'), '\\u202eevil');
      assert.deepEqual(problems, []);
    });

    test('long words and URLs wrap inside the log instead of widening it', { skip }, async () => {
      const long = `https://example.com/${'a'.repeat(600)}?${'x=1&'.repeat(80)} ${'W'.repeat(400)}`;
      await mount('MessageLog', { room: 'general', lines: [{ key: 'm1', kind: 'other', ts: 0, from: 'b'.repeat(32), body: long, id: 1 }], more: false }, ['onOlder']);
      const sizes = await page.$eval('.log', (log) => ({ scroll: log.scrollWidth, client: log.clientWidth, height: log.querySelector('.body')!.getBoundingClientRect().height }));
      assert.ok(sizes.scroll <= sizes.client, `no horizontal overflow (${sizes.scroll} > ${sizes.client})`);
      assert.ok(sizes.height > 60, 'the body wrapped onto several lines');
    });

    test('follows new lines at the bottom; scrolled up, it stays put and shows "New messages"', { skip }, async () => {
      await mount('MessageLog', { room: 'general', lines: lines(80), more: false }, ['onOlder']);
      const atBottom = () => page.$eval('.log', (log) => log.scrollHeight - log.scrollTop - log.clientHeight < 2);
      assert.equal(await atBottom(), true, 'opens at the newest line');
      await mount('MessageLog', { room: 'general', lines: lines(81), more: false }, ['onOlder']);
      assert.equal(await atBottom(), true, 'a new line scrolls into view');
      assert.equal(await page.locator('.new-messages').count(), 0);

      await page.$eval('.log', (log) => {
        log.scrollTop = 100;
        log.dispatchEvent(new Event('scroll'));
      });
      await mount('MessageLog', { room: 'general', lines: lines(85), more: false }, ['onOlder']);
      assert.equal(await page.$eval('.log', (log) => log.scrollTop), 100, 'the reader keeps their place');
      await page.click('.new-messages');
      assert.equal(await atBottom(), true);
      assert.equal(await page.locator('.new-messages').count(), 0);
    });

    test('line kinds are styled apart: own green, others blue, notices grey italic, errors red', { skip }, async () => {
      const mixed: LogLine[] = [
        { key: 'a', kind: 'own', ts: 0, from: 'me', body: 'mine', id: 1 },
        { key: 'b', kind: 'other', ts: 0, from: 'bob', body: 'theirs', id: 2 },
        { key: 'c', kind: 'notice', ts: 0, body: 'bob joined #general' },
        { key: 'd', kind: 'error', ts: 0, body: 'Not sent: too long' },
      ];
      await mount('MessageLog', { room: 'general', lines: mixed, more: false }, ['onOlder']);
      const styles = await page.$$eval('.log .line .body', (bodies) => bodies.map((body) => [getComputedStyle(body).color, getComputedStyle(body).fontStyle]));
      assert.deepEqual(styles, [
        ['rgb(23, 115, 58)', 'normal'],
        ['rgb(11, 87, 176)', 'normal'],
        ['rgb(106, 111, 120)', 'italic'],
        ['rgb(179, 38, 30)', 'normal'],
      ]);
    });
  });

  describe('Composer', () => {
    test('Enter sends, Shift+Enter adds a newline, Up and Down walk through what was sent', { skip }, async () => {
      await mount('Composer', { room: 'general' }, ['onSubmit'], { onSubmit: true });
      await page.focus('#message-input');
      await page.keyboard.type('first');
      await page.keyboard.press('Shift+Enter');
      await page.keyboard.type('line two');
      await page.keyboard.press('Enter');
      await page.keyboard.type('second');
      await page.keyboard.press('Enter');
      assert.deepEqual((await calls()).map((call) => call.args[0]), ['first\nline two', 'second']);
      assert.equal(await page.inputValue('#message-input'), '');
      await page.keyboard.type('draft');
      await page.keyboard.press('ArrowUp');
      assert.equal(await page.inputValue('#message-input'), 'second');
      await page.keyboard.press('ArrowUp');
      assert.equal(await page.inputValue('#message-input'), 'first\nline two');
      await page.keyboard.press('ArrowDown'); // caret is at the start: first moves to the last line
      await page.keyboard.press('End');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.inputValue('#message-input'), 'draft', 'the unsent draft comes back');
    });

    test('text the handler refuses stays in the input; blank input is not submitted', { skip }, async () => {
      await mount('Composer', { room: 'general' }, ['onSubmit'], { onSubmit: false });
      await page.focus('#message-input');
      await page.keyboard.type('/nonsense');
      await page.keyboard.press('Enter');
      assert.equal(await page.inputValue('#message-input'), '/nonsense');
      await page.fill('#message-input', '   ');
      await page.press('#message-input', 'Enter');
      assert.equal((await calls()).length, 1);
    });
  });

  describe('MenuBar', () => {
    const menus = [
      { id: 'file', label: 'File', key: 'f', items: [{ id: 'logout', label: 'Logout / Switch User', disabled: true }, { id: 'exit', label: 'Exit' }] },
      { id: 'help', label: 'Help', key: 'h', items: [{ id: 'commands', label: 'Commands' }, { id: 'about', label: 'About securechat' }] },
    ];
    const activeItem = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.item ?? document.activeElement?.id);

    test('Alt+F opens File on its first enabled item; arrows move and switch menus; Enter runs', { skip }, async () => {
      await mount('MenuBar', { menus });
      await page.keyboard.press('Alt+f');
      assert.equal(await page.getAttribute('#menu-file', 'aria-expanded'), 'true');
      assert.equal(await activeItem(), 'exit', 'the disabled item is skipped');
      await page.keyboard.press('ArrowDown');
      assert.equal(await activeItem(), 'exit', 'only one enabled item: it stays');
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.getAttribute('#menu-help', 'aria-expanded'), 'true');
      assert.equal(await activeItem(), 'commands');
      await page.keyboard.press('ArrowDown');
      assert.equal(await activeItem(), 'about');
      await page.keyboard.press('ArrowDown');
      assert.equal(await activeItem(), 'commands', 'wraps around');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Enter');
      assert.deepEqual((await calls()).map((call) => call.name), ['run:about']);
      assert.equal(await page.locator('[role="menu"]').count(), 0, 'the menu closes');
    });

    test('Escape closes and gives the focus back; clicking a disabled item does nothing', { skip }, async () => {
      await page.evaluate(() => {
        const input = document.createElement('input');
        input.id = 'outside';
        document.body.append(input);
        input.focus();
      });
      await mount('MenuBar', { menus });
      await page.keyboard.press('Alt+h');
      assert.equal(await activeItem(), 'commands');
      await page.keyboard.press('Escape');
      assert.equal(await page.locator('[role="menu"]').count(), 0);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'outside');
      await page.click('#menu-file');
      await page.click('[data-item="logout"]', { force: true });
      assert.deepEqual(await calls(), []);
      await page.evaluate(() => document.getElementById('outside')?.remove());
    });

    test('keys pressed faster than rendering still reach the right item', { skip }, async () => {
      await mount('MenuBar', { menus });
      // Three keys in one task: no render can happen between them.
      await page.evaluate(() => {
        window.dispatchEvent(new KeyboardEvent('keydown', { key: 'h', code: 'KeyH', altKey: true, bubbles: true }));
        window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
        window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      });
      assert.deepEqual((await calls()).map((call) => call.name), ['run:about']);
    });
  });

  describe('RoomList, UserList, StatusBar, dialogs', () => {
    test('rooms show unread counts; join and leave call back; #general has no leave button', { skip }, async () => {
      const rooms = [
        { name: 'general', members: 3, lines: [], unread: 0, more: false },
        { name: 'sales', members: 2, lines: [], unread: 4, more: false },
      ];
      await mount('RoomList', { rooms, current: 'general' }, ['onSelect', 'onJoin', 'onLeave']);
      assert.equal(await page.textContent('.rooms li:nth-child(2) .badge'), '4');
      assert.equal(await page.locator('.rooms li:nth-child(1) .leave').count(), 0);
      await page.click('.rooms li:nth-child(2) .room');
      await page.click('.rooms li:nth-child(2) .leave', { force: true });
      await page.fill('#join-room', '#ops');
      await page.press('#join-room', 'Enter');
      assert.deepEqual(await calls(), [
        { name: 'onSelect', args: ['sales'] },
        { name: 'onLeave', args: ['sales'] },
        { name: 'onJoin', args: ['ops'] },
      ]);
    });

    test('the user list marks you; the status line shows state, who, where and the key', { skip }, async () => {
      await mount('UserList', { online: ['alice', 'bob'], me: 'bob' });
      assert.equal(await page.textContent('.users li.me'), 'bob (you)');
      await mount('StatusBar', { connection: 'reconnecting', detail: 'connection lost; retrying in 2 s', user: 'bob', address: 'host:5555', fingerprint: 'SHA256:abc', firstContact: false });
      assert.equal(await page.textContent('.status'), 'Reconnecting…bob@host:5555connection lost; retrying in 2 sServer key SHA256:abc (pinned)');
    });

    test('Help → Commands lists every slash command; About shows the version and fingerprint', { skip }, async () => {
      await mount('CommandsDialog', {}, ['onClose']);
      const text = (await page.textContent('[role="dialog"]')) ?? '';
      for (const command of ['/help', '/users', '/rooms', '/join ROOM', '/leave [ROOM]', '/history [N]', '/logout', '/quit']) assert.ok(text.includes(command), command);
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Close');
      await page.keyboard.press('Escape');
      assert.deepEqual((await calls()).map((call) => call.name), ['onClose']);
      await mount('AboutDialog', { version: '1.2.3', address: 'host:5555', fingerprint: 'SHA256:xyz' }, ['onClose']);
      const about = (await page.textContent('[role="dialog"]')) ?? '';
      assert.ok(about.includes('version 1.2.3') && about.includes('SHA256:xyz') && about.includes('host:5555'));
    });
  });

  describe('App with a scripted bridge', () => {
    test('a burst of 5,000 lines in one go: nothing lost or reordered, and the page stays responsive', { skip }, async () => {
      await page.evaluate(() => (window as unknown as TestWindow).__test.mountApp());
      const session: HostEvent = { type: 'session', address: 'h:1', user: 'alice', rooms: [{ name: 'general', members: 2, joined: true }], online: ['alice', 'bob'], history: { general: [] }, resumed: false };
      const burst: HostEvent[] = Array.from({ length: 5000 }, (_, i) => ({
        type: 'message',
        message: { id: i + 1, room: 'general', from: 'bob', body: `burst ${i + 1}`, ts: 1_700_000_000_000 + i } satisfies ChatMessage,
        missed: false,
      }));
      const started = Date.now();
      await page.evaluate((events) => (window as unknown as TestWindow).__test.pending.push(...events), [session, ...burst]);
      await page.waitForSelector('.line:has-text("burst 5000")', { timeout: 20_000 });
      const elapsed = Date.now() - started;
      const bodies = await page.$$eval('.log .line .body', (nodes) => nodes.map((node) => node.textContent));
      assert.equal(bodies.length, MAX_LINES_PER_ROOM, 'the log keeps the newest lines');
      bodies.forEach((body, i) => assert.equal(body, `burst ${5000 - MAX_LINES_PER_ROOM + i + 1}`));
      assert.ok(elapsed < 10_000, `drained and drawn in ${elapsed} ms`);
      // Still responsive: typing and sending works right after.
      await page.fill('#message-input', 'after the burst');
      await page.press('#message-input', 'Enter');
      const posted = await page.evaluate(() => (window as unknown as TestWindow).__test.posted);
      assert.deepEqual(posted.at(-1), { type: 'send', ref: 1, room: 'general', body: 'after the burst' });
      assert.deepEqual(problems, []);
    });
  });
});
