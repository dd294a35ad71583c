// The shape of one subcommand of `securechat`.

import type { CommandName } from '../../config/option-table.ts';
import type { Env } from '../../config/paths.ts';
import type { ResolvedOptions } from '../../config/resolve.ts';
import type { CommandHelp } from '../help.ts';

export interface CommandRun {
  options: ResolvedOptions;
  positionals: string[];
  env: Env;
}

export interface Command extends CommandHelp {
  name: CommandName;
  /** How many positional arguments it takes. */
  maxPositionals: number;
  /** Loaded on use, so that `securechat chat` does not load the server, nor anything the desktop window needs. */
  run(context: CommandRun): Promise<number>;
}
