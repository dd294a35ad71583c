// Pictures of the real UI document for people to look at (test-output/ui/):
// the login panel, its errors, a changed key, a busy chat, the menus and the
// dialogs, lines waiting for a dropped connection, in the light and the dark
// system theme. The bridge is scripted so the pictures are the same every
// run; the checks here are only that each screen is there and nothing failed
// in the page.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DRAIN_BINDING, POST_BINDING, type HostEvent } from '../../src/native/bridge-protocol.ts';
import type { ChatMessage } from '../../src/net/schema.ts';
import { TEST_OUTPUT } from '../native/xvfb.ts';
import { chromiumMissing, launchChromium, uiDocument, watchPage } from './browser.ts';

const skip = chromiumMissing();
const OUT = join(TEST_OUTPUT, 'ui');
/** Today at 09:00, so that the day dividers read Yesterday / Today like on a real morning. */
const T0 = new Date(new Date().setHours(9, 0, 0, 0)).getTime();

function busyChat(): HostEvent[] {
  let id = 0;
  const m = (from: string, body: string, room = 'general', minutes = id): ChatMessage => ({ id: ++id, room, from, body, ts: T0 + minutes * 60_000 });
  const yesterday = (from: string, body: string): ChatMessage => ({ id: ++id, room: 'general', from, body, ts: T0 - 15 * 3_600_000 + id * 60_000 });
  const general = [
    yesterday('bob', 'Heading out, the nightly build is queued.'),
    yesterday('erin', 'Night! I will check it in the morning.'),
    yesterday('carol', 'Reminder: release freeze starts tomorrow at noon.'),
    yesterday('dave', 'Noted 👍'),
    yesterday('frank', 'Can someone review PR #812 before the freeze?'),
    yesterday('alice', 'On it.'),
    m('carol', 'Morning all! Stand-up in 10 minutes.'),
    m('dave', 'On my way ☕'),
    m('alice', 'I will share the release notes draft.'),
    m('bob', 'Build 4711 is green on all platforms 🎉'),
    m('erin', 'Log from the failing job: https://ci.example.com/jobs/4711/artifacts/logs/very/long/path/that/keeps/going/and/going/without/any/spaces/at/all/build-output-2024-05-02T09%3A04%3A11Z.txt'),
    m('carol', 'Agenda:\n1. release 2.3\n2. on-call rota\n3. anything else'),
    m('frank', 'שלום — the Tel Aviv office is online too'),
    m('alice', 'Thanks Erin, looking at it now.'),
    m('bob', '<script>alert("this is just text")</script> — pasted from the bug report'),
    m('dave', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA (a stack id)'),
    m('a_very_long_username_indeed_32c', 'Names can be long as well.'),
    m('carol', 'See you in the call.'),
  ];
  const sales = [m('gina', 'Q2 numbers are in', 'sales'), m('gina', 'Call with ACME moved to Thursday', 'sales')];
  return [
    { type: 'hello', host: 'chat.example.com', port: 5555, version: '0.1.0' },
    { type: 'state', state: 'connecting' },
    { type: 'state', state: 'connected' },
    { type: 'serverKey', address: 'chat.example.com:5555', fingerprint: 'SHA256:ubNWtmsQKas95rfKp+4h50Z9zXsgc6K1Om0E3vEqfMM', firstContact: false },
    {
      type: 'session',
      address: 'chat.example.com:5555',
      user: 'alice',
      rooms: [
        { name: 'general', members: 8, joined: true },
        { name: 'sales', members: 3, joined: true },
        { name: 'ops-incidents', members: 5, joined: true },
      ],
      online: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'a_very_long_username_indeed_32c'],
      history: { general, sales: [], 'ops-incidents': [] },
      resumed: false,
    },
    ...sales.map((message): HostEvent => ({ type: 'message', message, missed: false })),
    { type: 'message', message: m('hank', 'Disk usage alert cleared', 'ops-incidents'), missed: false },
    { type: 'notice', room: 'general', event: 'join', user: 'gina', ts: T0 + 20 * 60_000 },
    { type: 'failed', action: 'join', code: 'invalid_room', message: 'room names are 1 to 32 letters, digits, "_", "-" or "."' },
  ];
}

describe('UI screenshots for review', () => {
  let browser: Browser;
  before(async () => {
    if (skip) return;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  async function open(theme: 'light' | 'dark', events: HostEvent[]): Promise<{ page: Page; problems: string[]; push: (more: HostEvent[]) => void }> {
    const page = await browser.newPage({ viewport: { width: 980, height: 680 }, colorScheme: theme });
    const problems = watchPage(page);
    const queue = [...events];
    await page.exposeFunction(POST_BINDING, () => true);
    await page.exposeFunction(DRAIN_BINDING, () => queue.splice(0, 500));
    await page.setContent(await uiDocument());
    return { page, problems, push: (more) => queue.push(...more) };
  }

  for (const theme of ['light', 'dark'] as const) {
    test(`${theme} theme: login panel, its errors, a changed key`, { skip }, async () => {
      const { page, problems, push } = await open(theme, [{ type: 'hello', host: 'chat.example.com', port: 5555, version: '0.1.0' }]);
      await page.waitForFunction(() => (document.querySelector('#server') as HTMLInputElement | null)?.value === 'chat.example.com:5555');
      await page.screenshot({ path: join(OUT, `${theme}-login.png`) });
      await page.fill('#username', 'al');
      await page.click('#register');
      await page.waitForSelector('#username-error');
      await page.screenshot({ path: join(OUT, `${theme}-login-errors.png`) });
      push([
        {
          type: 'keyChanged',
          address: 'chat.example.com:5555',
          expected: 'SHA256:ubNWtmsQKas95rfKp+4h50Z9zXsgc6K1Om0E3vEqfMM',
          actual: 'SHA256:Q2hhbmdlZCBrZXkgb2YgdGhlIHNlcnZlciBoZXJlIQ',
          pinFile: '/home/alice/.local/share/securechat/known_servers.json',
        },
      ]);
      await page.waitForSelector('.key-changed');
      await page.screenshot({ path: join(OUT, `${theme}-key-changed.png`), fullPage: true });
      assert.deepEqual(problems, []);
      await page.close();
    });

    test(`${theme} theme: a busy chat, the File and Help menus, the dialogs`, { skip }, async () => {
      const { page, problems, push } = await open(theme, busyChat());
      await page.waitForSelector('.line.error');
      await page.screenshot({ path: join(OUT, `${theme}-chat.png`) });

      // Scrolled up when more lines come: the "New messages" marker.
      await page.$eval('.log', (log) => {
        log.scrollTop = 0;
        log.dispatchEvent(new Event('scroll'));
      });
      push([{ type: 'message', message: { id: 100, room: 'general', from: 'bob', body: 'One more thing…', ts: T0 + 30 * 60_000 }, missed: false }]);
      await page.waitForSelector('.new-messages');
      await page.screenshot({ path: join(OUT, `${theme}-new-messages.png`) });
      await page.click('.new-messages');

      await page.keyboard.press('Alt+f');
      await page.waitForSelector('[role="menu"]');
      await page.screenshot({ path: join(OUT, `${theme}-file-menu.png`) });
      await page.keyboard.press('ArrowRight');
      await page.waitForSelector('[role="menu"] >> text=About securechat');
      await page.screenshot({ path: join(OUT, `${theme}-help-menu.png`) });
      await page.keyboard.press('Enter');
      await page.waitForSelector('[role="dialog"]');
      await page.screenshot({ path: join(OUT, `${theme}-commands.png`) });
      await page.keyboard.press('Escape');
      await page.keyboard.press('Alt+h');
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.waitForSelector('[role="dialog"] >> text=About securechat');
      await page.screenshot({ path: join(OUT, `${theme}-about.png`) });
      await page.keyboard.press('Escape');

      // A narrow window: the user list folds away, nothing overflows.
      await page.setViewportSize({ width: 640, height: 520 });
      await page.screenshot({ path: join(OUT, `${theme}-narrow.png`) });
      assert.equal(await page.$eval('body', (body) => body.scrollWidth <= window.innerWidth), true);
      assert.deepEqual(problems, []);
      await page.close();
    });

    test(`${theme} theme: lines typed while the connection is down wait for it`, { skip }, async () => {
      const { page, problems, push } = await open(theme, busyChat());
      await page.waitForSelector('.line.error');
      push([
        { type: 'bye', reason: 'the server is restarting' },
        { type: 'state', state: 'reconnecting', detail: 'connection lost; retrying in 4 s' },
      ]);
      await page.waitForSelector('.status .state:text("Reconnecting…")');
      for (const body of ['Back in a minute, the server is restarting?', 'Release notes draft is in the shared folder.']) {
        await page.fill('#message-input', body);
        await page.press('#message-input', 'Enter');
      }
      await page.waitForFunction(() => document.querySelectorAll('.line.own.pending.waiting').length === 2);
      await page.screenshot({ path: join(OUT, `${theme}-waiting-for-connection.png`) });
      assert.deepEqual(problems, []);
      await page.close();
    });
  }
});
