// Option precedence: command-line flag, then environment variable, then
// config file, then default. The first one that is set wins; each value
// remembers where it came from so that an error can say which to fix.

import { resolve } from 'node:path';
import { OptionError } from './errors.ts';
import { configValue, loadConfigFile, type ConfigFile } from './config-file.ts';
import { optionsFor, type CommandName, type OptionDef, type OptionValue } from './option-table.ts';
import { defaultConfigFile, resolveHome, type Env, type HomeChoice } from './paths.ts';

export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

export interface ResolvedOption {
  value: OptionValue;
  /** "--port", "SECURECHAT_PORT", "<file>: chat.port" or "default". */
  source: string;
}

export interface ResolvedOptions {
  command: CommandName;
  home: HomeChoice;
  /** The config file that was read, if any. */
  configFile: string | undefined;
  values: ReadonlyMap<string, ResolvedOption>;
}

export interface ResolveInput {
  command: CommandName;
  flags: FlagValues;
  env: Env;
  cwd?: string;
}

export function resolveOptions({ command, flags, env, cwd = process.cwd() }: ResolveInput): ResolvedOptions {
  const home = resolveHome(stringFlag(flags, 'home'), env, cwd);
  const explicitConfig = stringFlag(flags, 'config') ?? nonEmpty(env.SECURECHAT_CONFIG);
  const file = loadConfigFile(
    explicitConfig !== undefined ? resolve(cwd, explicitConfig) : defaultConfigFile(home.dir),
    explicitConfig !== undefined,
  );

  const values = new Map<string, ResolvedOption>();
  for (const option of optionsFor(command)) {
    if (option.flag === 'home' || option.flag === 'config') continue;
    const resolved = resolveOne(option, command, flags, env, file);
    if (resolved !== undefined) values.set(option.flag, resolved);
  }
  return { command, home, configFile: file?.path, values };
}

function resolveOne(
  option: OptionDef,
  command: CommandName,
  flags: FlagValues,
  env: Env,
  file: ConfigFile | undefined,
): ResolvedOption | undefined {
  const flag = flags[option.flag];
  if (flag !== undefined) {
    const source = `--${option.flag}`;
    return { value: coerce(option, command, flag, source), source };
  }
  if (option.env !== undefined) {
    const raw = nonEmpty(env[option.env]);
    if (raw !== undefined) return { value: coerce(option, command, raw, option.env), source: option.env };
  }
  const fromFile = file === undefined ? undefined : configValue(file, command, option);
  if (fromFile !== undefined) {
    return { value: coerceJson(option, command, fromFile.value, fromFile.where), source: fromFile.where };
  }
  const fallback = option.defaults?.[command];
  return fallback === undefined ? undefined : { value: fallback, source: 'default' };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** SHA256: and 43 characters of unpadded base64, as the server prints it (the prefix may be left out). */
const FINGERPRINT = /^(SHA256:)?[A-Za-z0-9+/]{43}=?$/;

/** A config file is typed JSON: a port is a number, a switch is true or false, not text that looks like one. */
function coerceJson(option: OptionDef, command: CommandName, raw: unknown, source: string): OptionValue {
  const expected = option.kind === 'port' ? 'number' : option.kind === 'boolean' ? 'boolean' : 'string';
  if (typeof raw !== expected) throw new OptionError(`${source}: expected a JSON ${expected}, got ${show(raw)}`);
  return coerce(option, command, raw, source);
}

function coerce(option: OptionDef, command: CommandName, raw: unknown, source: string): OptionValue {
  switch (option.kind) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && TRUE_WORDS.has(raw.toLowerCase())) return true;
      if (typeof raw === 'string' && FALSE_WORDS.has(raw.toLowerCase())) return false;
      throw new OptionError(`${source}: expected true or false (or 1/0, yes/no, on/off), got ${show(raw)}`);
    case 'fingerprint':
      if (typeof raw === 'string' && FINGERPRINT.test(raw.trim())) return raw.trim();
      throw new OptionError(`${source}: expected a key fingerprint like SHA256: followed by 43 characters, got ${show(raw)}`);
    case 'port': {
      // Port 0 asks the system for a free port: meaningful for a listener only.
      const min = command === 'server' ? 0 : 1;
      const text = typeof raw === 'number' ? String(raw) : raw;
      if (typeof text === 'string' && /^\d{1,5}$/.test(text)) {
        const port = Number(text);
        if (port >= min && port <= 65535) return port;
      }
      throw new OptionError(`${source}: expected a port number from ${min} to 65535, got ${show(raw)}`);
    }
    case 'string':
      if (typeof raw === 'string' && raw.trim() !== '') return raw;
      throw new OptionError(`${source}: expected a non-empty text, got ${show(raw)}`);
  }
}

function show(raw: unknown): string {
  return typeof raw === 'string' ? JSON.stringify(raw) : String(JSON.stringify(raw));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function stringFlag(flags: FlagValues, name: string): string | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new OptionError(`--${name}: expected a value`);
  return value;
}

// ------------------------------------------------------------- typed access

export function getString(options: ResolvedOptions, name: string): string | undefined {
  const value = options.values.get(name)?.value;
  return typeof value === 'string' ? value : undefined;
}

export function getNumber(options: ResolvedOptions, name: string): number | undefined {
  const value = options.values.get(name)?.value;
  return typeof value === 'number' ? value : undefined;
}

export function getBoolean(options: ResolvedOptions, name: string): boolean {
  return options.values.get(name)?.value === true;
}

export function sourceOf(options: ResolvedOptions, name: string): string | undefined {
  return options.values.get(name)?.source;
}
