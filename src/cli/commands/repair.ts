// `securechat repair`: make a damaged server store open again.

import { dirname, join } from 'node:path';
import { serverDataDir } from '../../config/paths.ts';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.ts';
import type { Command } from './command.ts';

export const repairCommand: Command = {
  name: 'repair',
  summary: "check and repair the server's store (with the server stopped)",
  usage: ['securechat repair [--home DIR] [STORE_DIR]'],
  maxPositionals: 1,
  description: `
Checks the server's database (snapshot and journal) in <home>/server/store,
or in STORE_DIR, and repairs what a crash or a damaged disk left behind:
everything before the damage is kept, and a copy of everything cut away is
left beside it (*.bak). Stop the server first. Exits 0 when the store opens
afterwards, 1 when it still does not.`,
  async run({ options, positionals }) {
    const dir = positionals[0] ?? join(serverDataDir(options.home.dir), 'store');
    const { repairStore } = await import('../../server/store/repair.ts');
    const { lockDataDir } = await import('../../server/data-lock.ts');
    let report;
    try {
      // The server's lock lives in the folder above its store: repairing under a running server would fork history.
      const lock = lockDataDir(dirname(dir));
      try {
        report = await repairStore(dir);
      } finally {
        lock.release();
      }
    } catch (error) {
      process.stderr.write(`securechat repair: ${(error as Error).message}\n`);
      return EXIT_FAILURE;
    }
    process.stdout.write(`store: ${report.dir}\n`);
    for (const line of report.summary) process.stdout.write(`  ${line}\n`);
    if (!report.changed) process.stdout.write('  nothing needed repairing\n');
    if (!report.opens) {
      process.stderr.write(`securechat repair: the store still does not open: ${report.openError ?? 'unknown reason'}\n`);
      return EXIT_FAILURE;
    }
    process.stdout.write('  the store opens: the server can be started\n');
    return EXIT_OK;
  },
};
