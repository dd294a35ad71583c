// Bundles the UI (src/ui, preact + htm) and assets/ into ONE self-contained
// HTML document: script and style inline, icon as a data: URL, a Content
// Security Policy that allows only this exact script (by hash) and no network.
// Used by esbuild.config.mjs and by the UI tests (which bundle a test entry).
//
// Plain JavaScript because esbuild.config.mjs runs under plain node.

import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * @param {{ entry?: string, minify?: boolean }} [options]
 * @returns {Promise<string>} the HTML document
 */
export async function buildUiDocument({ entry = join(root, 'src/ui/main.ts'), minify = true } = {}) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    // WebKitGTK 2.4x (Debian 12) and current Chromium.
    target: ['chrome110', 'safari16'],
    minify,
    legalComments: 'inline',
    charset: 'utf8',
    logLevel: 'warning',
  });
  const script = result.outputFiles[0].text;
  if (/<\/script/i.test(script)) throw new Error('the UI bundle contains "</script" and cannot be inlined');
  const css = readFileSync(join(root, 'assets/style.css'), 'utf8');
  if (/<\/style/i.test(css)) throw new Error('assets/style.css contains "</style"');
  const icon = `data:image/svg+xml;base64,${readFileSync(join(root, 'assets/icon.svg')).toString('base64')}`;
  const hash = `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
  const parts = { SCRIPT_HASH: hash, ICON: icon, CSS: css, SCRIPT: script };
  // A function replacer: the bundle may contain "$&" and the like.
  return readFileSync(join(root, 'assets/index.html'), 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (match, name) => (name in parts ? parts[name] : match));
}

/** Writes the document to `outFile` (default dist/ui/securechat.html). */
export async function writeUiDocument(outFile = join(root, 'dist/ui/securechat.html')) {
  const document = await buildUiDocument();
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, document);
  return outFile;
}
