// What the desktop window needs from the machine, checked before anything is
// started, with a message that says exactly what to install or set.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The part of webview-nodejs 0.4.3 the host uses (its own typings say `any` in places). */
export interface NativeWebview {
  title(text: string): void;
  size(width: number, height: number, hint?: number): void;
  html(html: string): void;
  /** `fn` gets the JSON array of the page's arguments and returns [status, JSON result]; status 0 resolves. */
  bindRaw(name: string, fn: (webview: NativeWebview, request: string) => [number, string]): void;
  /** Runs the GTK loop; blocks the calling thread until terminate() or the window closes. */
  start(): void;
  terminate(): void;
  destroy(): void;
}

export interface WebviewModule {
  Webview: new (debug?: boolean) => NativeWebview;
  SizeHint: { None: number; Min: number; Max: number; Fixed: number };
}

export type Check<T> = { ok: true; value: T } | { ok: false; problem: string };

const here = dirname(fileURLToPath(import.meta.url));

/** The package root: this file is src/native/environment.ts, or bundled into dist/securechat.js. */
export const packageRoot = existsSync(join(here, '..', 'package.json')) ? resolve(here, '..') : resolve(here, '..', '..');

const INSTALL_LIBS = 'sudo apt-get install cmake g++ make pkg-config libwebkit2gtk-4.0-dev';

export function checkDisplay(env: NodeJS.ProcessEnv = process.env): Check<string> {
  const display = env.DISPLAY || env.WAYLAND_DISPLAY;
  if (display) return { ok: true, value: display };
  return {
    ok: false,
    problem:
      'no display: the desktop window needs a graphical session.\n' +
      '  Set DISPLAY (for example DISPLAY=:0), or run it under a virtual display: xvfb-run -a securechat gui\n' +
      '  Without a display, use the terminal client: securechat chat',
  };
}

/** Loads webview-nodejs (an optional dependency) and says what to do when it cannot be loaded. */
export function loadWebview(): Check<WebviewModule> {
  const require = createRequire(import.meta.url);
  try {
    return { ok: true, value: require('webview-nodejs') as WebviewModule };
  } catch (error) {
    return { ok: false, problem: explainLoadFailure(error instanceof Error ? error.message : String(error)) };
  }
}

/** What to tell the user when loading webview-nodejs failed with this message. */
export function explainLoadFailure(text: string): string {
  const firstLine = text.split('\n')[0] ?? text;
  let reason: string;
  let fix: string;
  if (/Cannot find module 'webview-nodejs'/.test(text)) {
    reason = 'the optional package webview-nodejs is not installed (npm leaves it out when it cannot be built)';
    fix = `  ${INSTALL_LIBS}\n  then, in ${packageRoot}: npm install   (builds webview-nodejs from the npm registry; nothing else is downloaded)`;
  } else if (/Could not locate the bindings file|libwebview\.node/.test(text)) {
    reason = 'webview-nodejs is installed but its native part was never built';
    fix = `  ${INSTALL_LIBS}\n  then, in ${packageRoot}: npm rebuild libwebview-nodejs`;
  } else if (/libwebkit2gtk|libjavascriptcoregtk|libgtk|cannot open shared object/.test(text)) {
    reason = `a system library is missing (${firstLine})`;
    fix = '  sudo apt-get install libwebkit2gtk-4.0-37   (or libwebkit2gtk-4.0-dev, which pulls it in)';
  } else {
    reason = `webview-nodejs failed to load (${firstLine})`;
    fix = `  ${INSTALL_LIBS}\n  then, in ${packageRoot}: npm rebuild libwebview-nodejs`;
  }
  return `the desktop window is not available: ${reason}.\nTo install it (Debian/Ubuntu):\n${fix}\nThe server and the terminal client (securechat chat) work without it.`;
}

/** The single-file UI document built by `npm run build` (esbuild.config.mjs). */
export function uiDocumentPath(): Check<string> {
  const candidates = [join(here, 'ui', 'securechat.html'), join(packageRoot, 'dist', 'ui', 'securechat.html')];
  const found = candidates.find((path) => existsSync(path));
  if (found) return { ok: true, value: found };
  return { ok: false, problem: `the UI bundle is missing (looked for ${candidates.join(', ')}).\n  Build it: cd ${packageRoot} && npm run build` };
}

/**
 * The socket worker: bundled JavaScript beside dist/securechat.js, or the
 * TypeScript source when running from a checkout under tsx. A worker does not
 * inherit tsx's loader (module.register hooks are per thread), so a .ts worker
 * is started through a tiny boot module that registers tsx first.
 */
export function socketWorkerUrl(): Check<URL> {
  const bundled = join(here, 'socket-worker.js');
  if (existsSync(bundled)) return { ok: true, value: pathToFileURL(bundled) };
  const source = join(here, 'socket-worker.ts');
  if (!existsSync(source)) return { ok: false, problem: `the socket worker is missing (${bundled}).\n  Build it: cd ${packageRoot} && npm run build` };
  let tsx: string;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    return { ok: false, problem: `running from source needs tsx (npm install in ${packageRoot}), or build first: npm run build` };
  }
  const boot = `import { register } from ${JSON.stringify(tsx)};\nregister();\nawait import(${JSON.stringify(pathToFileURL(source).href)});\n`;
  return { ok: true, value: new URL(`data:text/javascript,${encodeURIComponent(boot)}`) };
}
