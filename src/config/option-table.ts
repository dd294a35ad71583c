// Every option of the `securechat` command, in one table: its flag, its
// environment variable, its key in the config file, its default per
// subcommand and its help line. Parsing, precedence and the help screens
// are all generated from here, so they cannot drift apart.

export const COMMANDS = ['server', 'chat', 'gui', 'repair'] as const;
export type CommandName = (typeof COMMANDS)[number];

export type OptionKind = 'string' | 'port' | 'boolean' | 'fingerprint';
export type OptionValue = string | number | boolean;

export interface OptionDef {
  /** Long flag without the dashes; also the name the resolved value is stored under. */
  readonly flag: string;
  readonly kind: OptionKind;
  readonly commands: readonly CommandName[];
  /** Environment variable; absent means flag only. */
  readonly env?: string;
  /** Key in config.json (top level, or inside a section named after the subcommand); absent means not settable there. */
  readonly configKey?: string;
  /** Placeholder shown in help, for options that take a value. */
  readonly placeholder?: string;
  readonly defaults?: Partial<Record<CommandName, OptionValue>>;
  readonly help: string | Partial<Record<CommandName, string>>;
}

export const DEFAULT_PORT = 5555;
/** Listen on every interface: a team server must be reachable by colleagues. */
export const DEFAULT_SERVER_HOST = '0.0.0.0';
export const DEFAULT_CLIENT_HOST = '127.0.0.1';
export const DEFAULT_ROOM = 'general';

export const OPTIONS: readonly OptionDef[] = [
  {
    flag: 'host',
    kind: 'string',
    commands: ['server', 'chat', 'gui'],
    env: 'SECURECHAT_HOST',
    configKey: 'host',
    placeholder: 'HOST',
    defaults: { server: DEFAULT_SERVER_HOST, chat: DEFAULT_CLIENT_HOST, gui: DEFAULT_CLIENT_HOST },
    help: {
      server: 'address to listen on (default 0.0.0.0: every interface, so colleagues can connect; 127.0.0.1 for this machine only)',
      chat: 'server to connect to (default 127.0.0.1)',
      gui: 'server to connect to (default 127.0.0.1)',
    },
  },
  {
    flag: 'port',
    kind: 'port',
    commands: ['server', 'chat', 'gui'],
    env: 'SECURECHAT_PORT',
    configKey: 'port',
    placeholder: 'PORT',
    defaults: { server: DEFAULT_PORT, chat: DEFAULT_PORT, gui: DEFAULT_PORT },
    help: {
      server: `TCP port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)`,
      chat: `server port (default ${DEFAULT_PORT})`,
      gui: `server port (default ${DEFAULT_PORT})`,
    },
  },
  {
    flag: 'fingerprint',
    kind: 'fingerprint',
    commands: ['chat', 'gui'],
    env: 'SECURECHAT_FINGERPRINT',
    configKey: 'fingerprint',
    placeholder: 'SHA256:…',
    help: "the server key's fingerprint, known in advance: refuse any other key, even on first contact",
  },
  {
    flag: 'user',
    kind: 'string',
    commands: ['chat'],
    env: 'SECURECHAT_USER',
    configKey: 'user',
    placeholder: 'NAME',
    help: 'user name; the --user flag also selects scripted mode (from the environment or the config file it only fills in the login prompt)',
  },
  {
    flag: 'register',
    kind: 'boolean',
    commands: ['chat'],
    help: 'scripted mode: create the account first (fails if the name is taken)',
  },
  {
    flag: 'room',
    kind: 'string',
    commands: ['chat'],
    env: 'SECURECHAT_ROOM',
    configKey: 'room',
    placeholder: 'ROOM',
    defaults: { chat: DEFAULT_ROOM },
    help: `room to join and talk in (default ${DEFAULT_ROOM}; created if new)`,
  },
  {
    flag: 'listen',
    kind: 'boolean',
    commands: ['chat'],
    help: 'scripted mode: keep receiving after the end of input, until SIGINT or SIGTERM',
  },
  {
    flag: 'password-stdin',
    kind: 'boolean',
    commands: ['chat'],
    help: 'scripted mode: read the password from the first line of standard input',
  },
  {
    flag: 'log-bodies',
    kind: 'boolean',
    commands: ['server'],
    env: 'SECURECHAT_LOG_BODIES',
    configKey: 'logBodies',
    defaults: { server: false },
    help: 'include message bodies in the log (off by default: logs never hold passwords nor, unless asked, messages)',
  },
  {
    flag: 'home',
    kind: 'string',
    commands: ['server', 'chat', 'gui', 'repair'],
    env: 'SECURECHAT_HOME',
    placeholder: 'DIR',
    help: 'folder for all data (default $XDG_DATA_HOME/securechat, else ~/.local/share/securechat)',
  },
  {
    flag: 'config',
    kind: 'string',
    commands: ['server', 'chat', 'gui', 'repair'],
    env: 'SECURECHAT_CONFIG',
    placeholder: 'FILE',
    help: 'config file (default <home>/config.json, if it exists)',
  },
];

export function optionsFor(command: CommandName): OptionDef[] {
  return OPTIONS.filter((option) => option.commands.includes(command));
}

export function helpFor(option: OptionDef, command: CommandName): string {
  return typeof option.help === 'string' ? option.help : (option.help[command] ?? '');
}
