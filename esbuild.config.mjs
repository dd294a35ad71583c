// Builds the `securechat` command (one ESM file for Node) into dist/.
// Run: node esbuild.config.mjs
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

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
