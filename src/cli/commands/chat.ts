// `securechat chat`: the terminal client, interactive or scripted.

import { ensureHome } from '../../config/paths.ts';
import { sourceOf } from '../../config/resolve.ts';
import { chatSettings } from '../../config/settings.ts';
import type { Command } from './command.ts';

export const chatCommand: Command = {
  name: 'chat',
  summary: 'terminal client (interactive, or scripted for bots and pipelines)',
  usage: [
    'securechat chat [--host HOST] [--port PORT] [--fingerprint SHA256:…]',
    'securechat chat --user NAME [--register] [--room ROOM] [--listen] [--password-stdin] < lines',
  ],
  maxPositionals: 0,
  description: `
Interactive (standard input is a terminal, no --user flag): asks whether to
log in or register, the user name and the password (not shown as you type),
then chat. Lines go to the current room, shown in the prompt; commands start
with "/" (/help lists them; "//" sends a line starting with "/"). On first
contact with a server it shows the server's key fingerprint and asks before
trusting it; the key is then pinned in <home>/known_servers.json and a server
presenting another key is refused before any password is sent. A dropped
connection is re-established by itself and the lines missed meanwhile shown.

Scripted (standard input is not a terminal, or --user given): logs in as
--user with the password from SECURECHAT_PASSWORD or, with --password-stdin,
the first input line. A new server key is pinned without asking (its
fingerprint goes to standard error). Every further input line is sent, as
is, to the room; every line received (the history sent at login included)
is printed as "[HH:MM:SS] name: text", notices as "[HH:MM:SS] * text". At the
end of input it waits until the server has acknowledged every line, then
exits 0 — or non-zero with the reason on standard error.`,
  epilog: `
Environment:
  SECURECHAT_PASSWORD     scripted mode: the password (never a flag: flags show in ps)
  NO_COLOR                any non-empty value turns colours off (also off when output is not a terminal)

Exit status: 0 done, 1 failed (connection, login, a line not acknowledged),
2 bad usage, 3 the server's key did not match the pinned one (nothing was sent).

Examples:
  securechat chat --host chat.example.com
  SECURECHAT_PASSWORD=… securechat chat --user deploybot --room ops <<< "deployed v1.2"
  securechat chat --user alice --listen --password-stdin < secret.txt > log.txt`,
  async run({ options, env }) {
    const settings = chatSettings(options);
    const warning = ensureHome(settings.home);
    if (warning !== undefined) process.stderr.write(`securechat: warning: ${warning}\n`);
    const fingerprintSource = sourceOf(options, 'fingerprint');
    const scripted = settings.userFromFlag || process.stdin.isTTY !== true;
    if (scripted) {
      const { runScripted } = await import('../chat/scripted.ts');
      return runScripted(settings, env, fingerprintSource);
    }
    const { runInteractive } = await import('../chat/interactive.ts');
    return runInteractive(settings, env, fingerprintSource);
  },
};
