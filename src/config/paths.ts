// Where securechat keeps its files. One home folder holds everything that
// belongs to one user of the command: the server's data (identity key,
// snapshot, journal), the client's pinned server keys and the config file.
//
//   home = --home DIR, else $SECURECHAT_HOME, else $XDG_DATA_HOME/securechat,
//          else ~/.local/share/securechat            (XDG Base Directory spec)

import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

export interface HomeChoice {
  dir: string;
  /** What chose it, for messages: "--home", "SECURECHAT_HOME", "XDG_DATA_HOME", "default". */
  source: string;
}

export function resolveHome(flag: string | undefined, env: Env, cwd = process.cwd()): HomeChoice {
  if (flag !== undefined && flag !== '') return { dir: resolve(cwd, flag), source: '--home' };
  const own = env.SECURECHAT_HOME;
  if (own !== undefined && own !== '') return { dir: resolve(cwd, own), source: 'SECURECHAT_HOME' };
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return { dir: join(xdg, 'securechat'), source: 'XDG_DATA_HOME' };
  return { dir: join(env.HOME || homedir(), '.local', 'share', 'securechat'), source: 'default' };
}

export const serverDataDir = (home: string): string => join(home, 'server');
export const knownServersFile = (home: string): string => join(home, 'known_servers.json');
export const defaultConfigFile = (home: string): string => join(home, 'config.json');

/**
 * Creates the home folder (mode 0700: it holds the server's private key and
 * the client's pins). Returns a warning when an existing folder is readable
 * by others; it is left as it is, since the user may have chosen that.
 */
export function ensureHome(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    return `${dir} is accessible to other users (mode ${mode.toString(8)}); consider: chmod 700 '${dir}'`;
  }
  return undefined;
}
