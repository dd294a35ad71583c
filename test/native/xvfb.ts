// A private X display for the native window tests, and the tools that drive
// and look at it: xdotool (keyboard, windows), ImageMagick's `import`
// (screenshots, pixels) and test/native/fixtures/x11.py (clipboard, the
// window manager's close request — there is no window manager under Xvfb).

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadWebview } from '../../src/native/environment.ts';

const run = promisify(execFile);
const X11_HELPER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'x11.py');
export const TEST_OUTPUT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output');

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why the native window cannot be tested here, or false when it can. */
export function nativeMissing(): string | false {
  const tools: Array<[string, string]> = [
    ['Xvfb', 'xvfb'],
    ['xdotool', 'xdotool'],
    ['import', 'imagemagick'],
    ['python3', 'python3'],
  ];
  const missing = tools.filter(([command]) => !onPath(command));
  if (missing.length > 0) {
    return `missing ${missing.map(([command]) => command).join(', ')} (Debian: apt-get install ${missing.map(([, pkg]) => pkg).join(' ')})`;
  }
  const binding = loadWebview();
  if (!binding.ok) return binding.problem.split('\n')[0] ?? 'webview-nodejs is not available';
  return false;
}

export interface Display {
  /** e.g. ":12" */
  name: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Starts Xvfb on a free display number (it picks one and reports it on fd 3). */
export function startXvfb(size = '1280x800x24'): Promise<Display> {
  return new Promise((resolve, reject) => {
    const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', size, '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let errors = '';
    xvfb.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const fd3 = xvfb.stdio[3] as NodeJS.ReadableStream;
    let text = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start: ${errors}`)), 15_000);
    fd3.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes('\n')) return;
      clearTimeout(timer);
      const name = `:${text.trim()}`;
      resolve({
        name,
        env: { ...process.env, DISPLAY: name },
        stop: () => stopProcess(xvfb),
      });
    });
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${errors}`)));
  });
}

export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export async function xdotool(display: Display, ...args: string[]): Promise<string> {
  const { stdout } = await run('xdotool', args, { env: display.env });
  return stdout.trim();
}

/**
 * Types text into the focused window. Characters that are not on the
 * keyboard map are first put on spare keys (x11.py bind): xdotool would
 * otherwise remap a key for each of them and revert it right after the key
 * press, and a client busy enough to read the press late loses the character.
 */
export async function typeText(display: Display, text: string): Promise<void> {
  if (/[^\x20-\x7e]/.test(text)) {
    await x11(display, 'bind', text);
    await sleep(500); // let the window pick up the new keyboard map
  }
  await xdotool(display, 'type', '--delay', '30', text);
}

export async function x11(display: Display, ...args: string[]): Promise<string> {
  const { stdout } = await run('python3', [X11_HELPER, ...args], { env: display.env });
  return stdout;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (${String(lastError)})` : ''}`);
    await sleep(everyMs);
  }
}

/** The id of the first window whose name matches, once it exists. */
export function findWindow(display: Display, pattern: string, timeoutMs = 60_000): Promise<string> {
  return until(`a window named ${pattern}`, async () => {
    const ids = await xdotool(display, 'search', '--name', pattern).catch(() => '');
    return ids.split('\n').find((id) => id !== '');
  }, timeoutMs);
}

export async function screenshot(display: Display, file: string): Promise<string> {
  mkdirSync(dirname(file), { recursive: true });
  await run('import', ['-window', 'root', file], { env: display.env });
  return file;
}

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How many pixels of the region are within `tolerance` of the colour. */
export async function countColour(display: Display, rgb: [number, number, number], region: Region, tolerance = 24): Promise<number> {
  const { stdout } = await run('import', ['-window', 'root', '-crop', `${region.width}x${region.height}+${region.x}+${region.y}`, '-depth', '8', 'rgb:-'], {
    env: display.env,
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  let count = 0;
  for (let i = 0; i + 2 < stdout.length; i += 3) {
    if (Math.abs(stdout[i]! - rgb[0]) <= tolerance && Math.abs(stdout[i + 1]! - rgb[1]) <= tolerance && Math.abs(stdout[i + 2]! - rgb[2]) <= tolerance) count += 1;
  }
  return count;
}
