// Help screens, generated from the option table so that every flag, its
// environment variable and its config key are listed exactly once.

import { helpFor, optionsFor, type CommandName, type OptionDef } from '../config/option-table.ts';

export interface CommandHelp {
  name: CommandName;
  /** One line, for the command list. */
  summary: string;
  usage: string[];
  /** Paragraphs printed before the options. */
  description: string;
  /** Text printed after the options: environment, files, exit status. */
  epilog?: string;
}

const FLAG_COLUMN = 24;

function flagText(option: OptionDef): string {
  return option.placeholder === undefined ? `--${option.flag}` : `--${option.flag} ${option.placeholder}`;
}

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join(`\n${indent}`);
}

export function optionLines(command: CommandName): string {
  const indent = ' '.repeat(FLAG_COLUMN + 2);
  const rows = optionsFor(command).map((option) => {
    const flag = flagText(option).padEnd(FLAG_COLUMN);
    const sources = [
      option.env !== undefined ? `env ${option.env}` : undefined,
      option.configKey !== undefined ? `config "${option.configKey}"` : undefined,
    ].filter((part) => part !== undefined);
    const text = wrap(helpFor(option, command), 78 - indent.length, indent);
    const separator = flag.length > FLAG_COLUMN ? `\n${indent}` : '';
    return `  ${flag}${separator}${text}${sources.length > 0 ? `\n${indent}(${sources.join(', ')})` : ''}`;
  });
  rows.push(`  ${'-h, --help'.padEnd(FLAG_COLUMN)}show this help`);
  return rows.join('\n');
}

export function commandHelp(help: CommandHelp): string {
  return [
    `Usage: ${help.usage.map((line, i) => (i === 0 ? line : `       ${line}`)).join('\n')}`,
    '',
    help.description.trim(),
    '',
    'Options (a flag wins over its environment variable, which wins over the config file):',
    optionLines(help.name),
    ...(help.epilog !== undefined ? ['', help.epilog.trim()] : []),
    '',
  ].join('\n');
}
