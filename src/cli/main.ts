// `securechat`: one command, four subcommands. Options come from flags, then
// SECURECHAT_* environment variables, then the config file, then defaults
// (src/config). Usage errors exit 2 with a pointer to --help.

import { OptionError } from '../config/errors.ts';
import { resolveOptions } from '../config/resolve.ts';
import type { Env } from '../config/paths.ts';
import { parseCommandArgs } from './args.ts';
import { chatCommand } from './commands/chat.ts';
import type { Command } from './commands/command.ts';
import { guiCommand } from './commands/gui.ts';
import { IMPORT_USERS, IMPORT_USERS_SUMMARY, importUsersMain } from './commands/import-users.ts';
import { repairCommand } from './commands/repair.ts';
import { serverCommand } from './commands/server.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.ts';
import { commandHelp } from './help.ts';
import { packageVersion } from './version.ts';

const COMMANDS: readonly Command[] = [serverCommand, chatCommand, guiCommand, repairCommand];

function mainHelp(): string {
  const width = Math.max(IMPORT_USERS.length, ...COMMANDS.map((command) => command.name.length));
  return [
    'Usage: securechat <command> [options]',
    '',
    'securechat: self-hosted encrypted chat for a team: one server, a terminal client and a desktop window.',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    `  ${IMPORT_USERS.padEnd(width)}  ${IMPORT_USERS_SUMMARY}`,
    '',
    'securechat <command> --help   the options of one command',
    'securechat --version          the version',
    '',
    'Data lives in $SECURECHAT_HOME, else $XDG_DATA_HOME/securechat, else ~/.local/share/securechat.',
    '',
  ].join('\n');
}

function usageError(message: string, command?: string): number {
  const help = command === undefined ? 'securechat --help' : `securechat ${command} --help`;
  process.stderr.write(`securechat: ${message}\nTry '${help}'.\n`);
  return EXIT_USAGE;
}

export async function main(argv: readonly string[], env: Env): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(mainHelp());
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(mainHelp());
    return EXIT_OK;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    process.stdout.write(`securechat ${packageVersion()}\n`);
    return EXIT_OK;
  }
  // An operator command with its own small parser (it takes only --home): not in the option table.
  if (first === IMPORT_USERS) return importUsersMain(rest, env);
  const command = COMMANDS.find((candidate) => candidate.name === first);
  if (command === undefined) {
    return usageError(
      first.startsWith('-') ? `unknown option ${first} (options go after the command)` : `unknown command "${first}"`,
    );
  }
  try {
    const parsed = parseCommandArgs(command.name, rest, command.maxPositionals);
    if (parsed.help) {
      process.stdout.write(commandHelp(command));
      return EXIT_OK;
    }
    const options = resolveOptions({ command: command.name, flags: parsed.flags, env });
    return await command.run({ options, positionals: parsed.positionals, env });
  } catch (error) {
    if (error instanceof OptionError) return usageError(error.message, command.name);
    process.stderr.write(`securechat ${command.name}: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT_FAILURE;
  }
}

/** Exits once what was written has reached the terminal or the pipe. */
function exitWith(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

// A reader that goes away (`securechat chat … | head -1`) is a normal end, not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_OK);
  throw error;
});

main(process.argv.slice(2), process.env).then(exitWith, (error: Error) => {
  process.stderr.write(`securechat: ${error.stack ?? String(error)}\n`);
  exitWith(EXIT_FAILURE);
});
