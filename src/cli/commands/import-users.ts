// `securechat import-users FILE`: the operator's bulk account import (see
// src/server/account-import.ts). It takes only --home and --help, so it
// parses its own arguments rather than going through the option table.

import { parseArgs } from 'node:util';
import { resolveHome, serverDataDir, type Env } from '../../config/paths.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.ts';

export const IMPORT_USERS = 'import-users';
export const IMPORT_USERS_SUMMARY = 'add accounts from a file of pre-computed password hashes (with the server stopped)';

const HELP = `Usage: securechat import-users [--home DIR] FILE

Adds the accounts listed in FILE to the server's store in <home>/server/store
and makes each a member of "general", as registering does. Stop the server
first: the store belongs to one process at a time, and the import refuses to
run while a server holds the data folder's lock.

FILE holds JSON lines, one account per line:
  {"username": "alice", "passwordHash": "scrypt$17$8$1$<salt>$<hash>"}
passwordHash is the server's own encoded scrypt hash (the format of
src/server/accounts/password-hash.ts, base64 without padding), computed
elsewhere, for example when moving accounts from another server. The
server's defaults are not changed by an import; a hash with other scrypt
parameters is accepted within the bounds that module allows.

Every line is checked before anything is written: a malformed line, an
invalid or duplicate name, or a name already on the server stops the import
with the line number, and nothing is imported. Exit status 0 on success,
1 on a refused file, 2 on a usage error.

Options:
  --home DIR   folder for all data (default $SECURECHAT_HOME, else
               $XDG_DATA_HOME/securechat, else ~/.local/share/securechat)
  -h, --help   show this help
`;

function usage(message: string): number {
  process.stderr.write(`securechat: ${message}\nTry 'securechat ${IMPORT_USERS} --help'.\n`);
  return EXIT_USAGE;
}

export async function importUsersMain(argv: readonly string[], env: Env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { home: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    return usage(((error as Error).message.split('. ')[0] ?? '').replace(/^Unknown option/, 'unknown option'));
  }
  if (parsed.values.help === true) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined) return usage('import-users needs a FILE');
  if (extra.length > 0) return usage(`unexpected argument ${JSON.stringify(extra[0])}`);
  const home = resolveHome(parsed.values.home, env);
  const { ImportError, importUsersFromFile, storeDirOf } = await import('../../server/account-import.ts');
  const storeDir = storeDirOf(serverDataDir(home.dir));
  try {
    const report = await importUsersFromFile(file, storeDir);
    process.stdout.write(`imported ${report.imported} accounts into ${storeDir}; each is a member of "${report.room}"\n`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof ImportError) {
      process.stderr.write(`securechat import-users: ${file}: ${error.message}; nothing was imported\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(`securechat import-users: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
}
