// `securechat gui`: the desktop window. Its module is imported only here, so
// that the server and the terminal client run without the native binding.

import { ensureHome } from '../../config/paths.ts';
import { clientSettings } from '../../config/settings.ts';
import type { Command } from './command.ts';

export const guiCommand: Command = {
  name: 'gui',
  summary: 'desktop window (needs a display and the webview binding)',
  usage: ['securechat gui [--host HOST] [--port PORT] [--fingerprint SHA256:…]'],
  maxPositionals: 0,
  description: `
Opens the desktop client in a native window. It needs a graphical session
(DISPLAY or WAYLAND_DISPLAY) and the optional webview-nodejs package; when
either is missing it says what to install. Server keys are pinned in the
same <home>/known_servers.json as the terminal client's.`,
  async run({ options }) {
    const settings = clientSettings(options);
    const warning = ensureHome(settings.home);
    if (warning !== undefined) process.stderr.write(`securechat: warning: ${warning}\n`);
    const { runGui } = await import('../../native/gui.ts');
    return runGui({
      host: settings.host,
      port: settings.port,
      home: settings.home,
      ...(settings.fingerprint !== undefined ? { fingerprint: settings.fingerprint } : {}),
    });
  },
};
