// Builds the `securechat` command (one ESM file for Node) into dist/, and
// the desktop client's socket worker and UI document beside it.
// Run: node esbuild.config.mjs
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { writeUiDocument } from './src/ui/build.mjs';

await build({
  entryPoints: { securechat: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Runtime dependencies stay in node_modules: sql.js loads its wasm from there.
  packages: 'external',
  banner: { js: '#!/usr/bin/env node' },
  sourcemap: 'linked',
  logLevel: 'warning',
});
chmodSync('dist/securechat.js', 0o755);

// Desktop client (docs/desktop.md). `securechat gui` (bundled into
// dist/securechat.js above) starts dist/socket-worker.js in a worker thread
// and loads dist/ui/securechat.html, one self-contained document.
await build({
  entryPoints: { 'socket-worker': 'src/native/socket-worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
await writeUiDocument('dist/ui/securechat.html');
