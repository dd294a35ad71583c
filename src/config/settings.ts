// The resolved options of each subcommand as plain typed records, with the
// file locations derived from the home folder.

import { DEFAULT_CLIENT_HOST, DEFAULT_PORT, DEFAULT_ROOM, DEFAULT_SERVER_HOST } from './option-table.ts';
import { getBoolean, getNumber, getString, sourceOf, type ResolvedOptions } from './resolve.ts';
import { knownServersFile, serverDataDir } from './paths.ts';

export interface ServerSettings {
  home: string;
  dataDir: string;
  host: string;
  port: number;
  logBodies: boolean;
}

export interface ClientSettings {
  home: string;
  knownServersFile: string;
  host: string;
  port: number;
  fingerprint: string | undefined;
}

export interface ChatSettings extends ClientSettings {
  user: string | undefined;
  /** --user on the command line selects scripted mode; from elsewhere it only pre-fills the prompt. */
  userFromFlag: boolean;
  room: string;
  register: boolean;
  listen: boolean;
  passwordStdin: boolean;
}

export function serverSettings(options: ResolvedOptions): ServerSettings {
  const home = options.home.dir;
  return {
    home,
    dataDir: serverDataDir(home),
    host: getString(options, 'host') ?? DEFAULT_SERVER_HOST,
    port: getNumber(options, 'port') ?? DEFAULT_PORT,
    logBodies: getBoolean(options, 'log-bodies'),
  };
}

export function clientSettings(options: ResolvedOptions): ClientSettings {
  const home = options.home.dir;
  return {
    home,
    knownServersFile: knownServersFile(home),
    host: getString(options, 'host') ?? DEFAULT_CLIENT_HOST,
    port: getNumber(options, 'port') ?? DEFAULT_PORT,
    fingerprint: getString(options, 'fingerprint'),
  };
}

export function chatSettings(options: ResolvedOptions): ChatSettings {
  return {
    ...clientSettings(options),
    user: getString(options, 'user'),
    userFromFlag: sourceOf(options, 'user') === '--user',
    room: getString(options, 'room') ?? DEFAULT_ROOM,
    register: getBoolean(options, 'register'),
    listen: getBoolean(options, 'listen'),
    passwordStdin: getBoolean(options, 'password-stdin'),
  };
}
