// Command-line parsing for one subcommand, driven by the option table, with
// node:util parseArgs in strict mode: an unknown flag, a missing value or a
// stray argument is a usage error, never silently ignored.

import { parseArgs } from 'node:util';
import { OptionError } from '../config/errors.ts';
import { optionsFor, type CommandName } from '../config/option-table.ts';
import type { FlagValues } from '../config/resolve.ts';

export interface ParsedArgs {
  flags: FlagValues;
  positionals: string[];
  help: boolean;
}

type ParseArgsOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

export function parseCommandArgs(command: CommandName, argv: readonly string[], maxPositionals = 0): ParsedArgs {
  const options: NonNullable<ParseArgsOptions> = { help: { type: 'boolean', short: 'h' } };
  for (const option of optionsFor(command)) {
    options[option.flag] = { type: option.kind === 'boolean' ? 'boolean' : 'string' };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    // parseArgs messages are clear but long-winded about "--" and positionals; keep the first sentence.
    const message = (error as Error).message.split('. ')[0] ?? String(error);
    throw new OptionError(message.replace(/^Unknown option/, 'unknown option').replace(/^Option/, 'option'));
  }
  const { help, ...rest } = parsed.values;
  const flags: Record<string, string | boolean | undefined> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (typeof value === 'string' || typeof value === 'boolean') flags[key] = value;
  }
  if (parsed.positionals.length > maxPositionals && help !== true) {
    throw new OptionError(`unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`);
  }
  return { flags, positionals: parsed.positionals, help: help === true };
}
