// `securechat gui`: one native window (WebKitGTK through webview-nodejs)
// showing the UI bundle, with the socket in a worker thread.
//
// Threads (see DESIGN.md, "Desktop client"):
//   main thread   — the window. `start()` runs the GTK loop and blocks this
//                   thread until the window closes, so Node's own event loop
//                   does not turn here meanwhile: everything is set up before
//                   it, and the bound functions below are plain synchronous
//                   code called from the GTK loop.
//   socket worker — ChatClient, timers, reconnects (socket-worker.ts).
//   the bridge    — worker → MessagePort → page drains with DRAIN_BINDING,
//                   which empties the port with receiveMessageOnPort (many
//                   events per call); page → POST_BINDING → worker.postMessage.

import { readFileSync } from 'node:fs';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { DRAIN_BINDING, MAX_EVENTS_PER_DRAIN, POST_BINDING, decodeUiAction, type HostEvent } from './bridge-protocol.ts';
import { asciiJson } from './ascii-json.ts';
import { checkDisplay, loadWebview, packageRoot, socketWorkerUrl, uiDocumentPath, type NativeWebview } from './environment.ts';
import type { SocketWorkerData } from './socket-worker.ts';

export interface GuiOptions {
  host: string;
  port: number;
  /** The SECURECHAT_HOME folder; pins live in <home>/known_servers.json. */
  home: string;
  fingerprint?: string;
}

/** The window could not be opened: what to install or set was printed. */
export const EXIT_GUI_UNAVAILABLE = 1;
/** Something failed at run time. */
export const EXIT_FAILURE = 1;

/**
 * WebKit's JavaScriptCore suspends threads for its garbage collector with
 * SIGUSR1 by default, which Node already uses (inspector activation); WebKit
 * then overrides Node's handler and says so. SIGUSR2 is free in a Node
 * process unless --report-on-signal / --heapsnapshot-signal claim it.
 * (JavaScriptCore prints "ERROR: invalid option: JSC_SIGNAL_FOR_GC=12" when it
 * reads its JSC_* options; the variable is read by WTF, not by that parser,
 * and does take effect.)
 */
const JSC_GC_SIGNAL = 12; // SIGUSR2 on Linux

const WINDOW_TITLE = 'securechat';
const WORKER_EXIT_TIMEOUT_MS = 6000;
const WORKER_START_TIMEOUT_MS = 20_000;
/** SECURECHAT_GUI_TRACE=1 logs every event and action crossing the bridge (never passwords: actions by type only). */
const TRACE = process.env.SECURECHAT_GUI_TRACE === '1';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(`${packageRoot}/package.json`, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function runGui(options: GuiOptions): Promise<number> {
  const display = checkDisplay();
  const binding = display.ok ? loadWebview() : undefined;
  const ui = uiDocumentPath();
  const workerUrl = socketWorkerUrl();
  for (const check of [display, binding, ui, workerUrl]) {
    if (check && !check.ok) {
      process.stderr.write(`securechat gui: ${check.problem}\n`);
      return EXIT_GUI_UNAVAILABLE;
    }
  }
  if (!binding?.ok || !ui.ok || !workerUrl.ok) return EXIT_GUI_UNAVAILABLE; // narrowed above; keeps the types honest

  if (process.env.JSC_SIGNAL_FOR_GC === undefined) process.env.JSC_SIGNAL_FOR_GC = String(JSC_GC_SIGNAL);

  const { port1: port, port2: workerPort } = new MessageChannel();
  const workerData: SocketWorkerData = {
    port: workerPort,
    options: {
      home: options.home,
      host: options.host,
      port: options.port,
      version: readVersion(),
      ...(options.fingerprint !== undefined ? { fingerprint: options.fingerprint } : {}),
    },
  };
  const worker = new Worker(workerUrl.value, { workerData, transferList: [workerPort] });
  const workerExited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (error) => process.stderr.write(`securechat gui: the socket thread failed: ${error.stack ?? error.message}\n`));
  if (!(await workerReady(worker))) {
    await worker.terminate();
    process.stderr.write('securechat gui: the socket thread did not start\n');
    return EXIT_FAILURE;
  }

  let window: NativeWebview;
  try {
    window = new binding.value.Webview(process.env.SECURECHAT_GUI_DEBUG === '1');
  } catch (error) {
    process.stderr.write(
      `securechat gui: cannot open a window on display "${process.env.DISPLAY ?? process.env.WAYLAND_DISPLAY ?? ''}" ` +
        `(${error instanceof Error ? error.message : String(error)}).\n  Check that the display is running and that you may use it (xauth), or run under xvfb-run -a.\n`,
    );
    port.close();
    await worker.terminate();
    return EXIT_GUI_UNAVAILABLE;
  }

  window.title(WINDOW_TITLE);
  window.size(980, 680, binding.value.SizeHint.None);
  // bindRaw, not bind: results must go back as ASCII-only JSON (see ascii-json.ts).
  window.bindRaw(DRAIN_BINDING, () => reply(() => drain(port, window)));
  window.bindRaw(POST_BINDING, (_webview, request) =>
    reply(() => {
      const [raw] = JSON.parse(request) as unknown[];
      const action = decodeUiAction(raw); // a BadActionError rejects the page's promise
      if (TRACE) process.stderr.write(`securechat gui: trace: from page ${action.type}\n`);
      if (action.type === 'exit') {
        // Leave the GTK loop; the code after start() logs out and ends the process.
        window.terminate();
        return true;
      }
      port.postMessage(action);
      return true;
    }),
  );
  window.html(readFileSync(ui.value, 'utf8'));

  window.start(); // blocks until the window is closed or File → Exit
  window.destroy();

  port.postMessage({ type: 'exit' });
  const timer = setTimeout(() => {
    process.stderr.write('securechat gui: the socket thread did not finish logging out in time; stopping it\n');
    void worker.terminate();
  }, WORKER_EXIT_TIMEOUT_MS);
  await workerExited;
  clearTimeout(timer);
  port.close();
  return 0;
}

/** A binding's answer: [0, json] resolves the page's promise, [1, json] rejects it. */
function reply(produce: () => unknown): [number, string] {
  try {
    return [0, asciiJson(produce())];
  } catch (error) {
    return [1, asciiJson(error instanceof Error ? error.message : String(error))];
  }
}

/**
 * A worker's start-up (loading its modules) needs this thread's event loop,
 * which stops turning once the window loop runs; once started it runs on its
 * own. So wait for its "ready" before opening the window.
 */
function workerReady(worker: Worker): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), WORKER_START_TIMEOUT_MS);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(ok);
    };
    const onMessage = (message: unknown): void => {
      if (message === 'ready') done(true);
    };
    const onExit = (): void => done(false);
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

/** Empties the port (up to one batch), and keeps the window title in step with the session. */
function drain(port: MessagePort, window: NativeWebview): HostEvent[] {
  const events: HostEvent[] = [];
  while (events.length < MAX_EVENTS_PER_DRAIN) {
    const received = receiveMessageOnPort(port);
    if (received === undefined) break;
    const event = received.message as HostEvent;
    events.push(event);
    if (TRACE) process.stderr.write(`securechat gui: trace: to page ${JSON.stringify(event).slice(0, 200)}\n`);
    if (event.type === 'session') window.title(`${WINDOW_TITLE} — ${event.user}@${event.address}`);
    else if (event.type === 'loggedOut') window.title(WINDOW_TITLE);
  }
  return events;
}

