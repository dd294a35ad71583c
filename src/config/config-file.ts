// The optional JSON config file: keys at the top level apply to every
// subcommand, keys inside a section named after a subcommand ("server",
// "chat", "gui") apply to that one only and win over the top level:
//
//   { "port": 5555,
//     "server": { "host": "0.0.0.0", "logBodies": false },
//     "chat":   { "host": "chat.example.com", "user": "alice", "room": "general" } }
//
// Unknown keys are refused, so a typo does not silently do nothing.
// Passwords are never read from this file.

import { readFileSync } from 'node:fs';
import { OptionError } from './errors.ts';
import { COMMANDS, OPTIONS, type CommandName, type OptionDef } from './option-table.ts';

export type ConfigSection = Readonly<Record<string, unknown>>;

export interface ConfigFile {
  path: string;
  top: ConfigSection;
  sections: Partial<Record<CommandName, ConfigSection>>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const configurable = (command?: CommandName): OptionDef[] =>
  OPTIONS.filter((o) => o.configKey !== undefined && (command === undefined || o.commands.includes(command)));

/** Reads the file; `undefined` when it does not exist and was not asked for by name. */
export function loadConfigFile(path: string, required: boolean): ConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OptionError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, path: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new OptionError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(raw)) throw new OptionError(`config file ${path} must hold a JSON object`);

  const topKeys = new Set(configurable().map((o) => o.configKey));
  const top: Record<string, unknown> = {};
  const sections: Partial<Record<CommandName, ConfigSection>> = {};
  for (const [key, value] of Object.entries(raw)) {
    if ((COMMANDS as readonly string[]).includes(key)) {
      const command = key as CommandName;
      if (!isPlainObject(value)) throw new OptionError(`config file ${path}: "${key}" must be an object`);
      const allowed = new Set(configurable(command).map((o) => o.configKey));
      for (const inner of Object.keys(value)) {
        if (!allowed.has(inner)) {
          throw new OptionError(
            `config file ${path}: unknown key "${key}.${inner}" (allowed in "${key}": ${[...allowed].join(', ') || 'none'})`,
          );
        }
      }
      sections[command] = value;
    } else if (topKeys.has(key)) {
      top[key] = value;
    } else {
      throw new OptionError(
        `config file ${path}: unknown key "${key}" (allowed: ${[...topKeys].join(', ')}, or a section ${COMMANDS.map((c) => `"${c}"`).join(', ')})`,
      );
    }
  }
  return { path, top, sections };
}

/** The value the file gives `option` for `command`, and where in the file it was. */
export function configValue(
  file: ConfigFile,
  command: CommandName,
  option: OptionDef,
): { value: unknown; where: string } | undefined {
  const key = option.configKey;
  if (key === undefined) return undefined;
  const section = file.sections[command];
  if (section !== undefined && Object.hasOwn(section, key)) {
    return { value: section[key], where: `${file.path}: ${command}.${key}` };
  }
  if (Object.hasOwn(file.top, key)) return { value: file.top[key], where: `${file.path}: ${key}` };
  return undefined;
}
