// Headless Chromium for the UI tests: Debian's /usr/bin/chromium driven by
// playwright-core (never a downloaded browser), and the real UI document
// wired to a real ClientSession in this process through the same two
// bindings the native host provides.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DRAIN_BINDING, MAX_EVENTS_PER_DRAIN, POST_BINDING, decodeUiAction, type HostEvent, type UiAction } from '../../src/native/bridge-protocol.ts';
import { ClientSession } from '../../src/native/client-session.ts';
import { buildUiDocument } from '../../src/ui/build.mjs';

export const CHROMIUM_PATH = process.env.SECURECHAT_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or false when they can. */
export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM_PATH) ? false : `no Chromium at ${CHROMIUM_PATH} (Debian: apt-get install chromium; or set SECURECHAT_CHROMIUM)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

let documentOnce: Promise<string> | undefined;
/** The real UI document, built once per test process. */
export function uiDocument(): Promise<string> {
  documentOnce ??= buildUiDocument();
  return documentOnce;
}

/** Fails the test on any page error or console error (a CSP violation shows up there too). */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}

export interface UiWindow {
  page: Page;
  /** Every event the session emitted, in order (also those not yet drained). */
  events: HostEvent[];
  /** Every action the page posted, decoded. */
  actions: UiAction[];
  problems: string[];
  session: ClientSession;
  /** Its SECURECHAT_HOME (pins in known_servers.json). */
  home: string;
  close(): Promise<void>;
}

/** Opens the real UI in a new page, backed by a ClientSession talking to host:port. */
export async function openUiWindow(browser: Browser, target: { host: string; port: number }, viewport = { width: 980, height: 680 }): Promise<UiWindow> {
  const home = mkdtempSync(join(tmpdir(), 'securechat-ui-home-'));
  const queue: HostEvent[] = [];
  const events: HostEvent[] = [];
  const actions: UiAction[] = [];
  const session = new ClientSession({ home, host: target.host, port: target.port, version: 'test' }, (event) => {
    queue.push(event);
    events.push(event);
  });
  const page = await browser.newPage({ viewport });
  const problems = watchPage(page);
  await page.exposeFunction(POST_BINDING, async (raw: unknown) => {
    const action = decodeUiAction(raw);
    actions.push(action);
    if (action.type === 'exit') await session.shutdown();
    else void session.handle(action);
    return true;
  });
  await page.exposeFunction(DRAIN_BINDING, () => queue.splice(0, MAX_EVENTS_PER_DRAIN));
  await page.setContent(await uiDocument());
  return {
    page,
    events,
    actions,
    problems,
    session,
    home,
    async close() {
      await session.shutdown();
      await page.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
