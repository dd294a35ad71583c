// `securechat server`: run the chat server in the foreground.

import { mkdirSync } from 'node:fs';
import { ensureHome } from '../../config/paths.ts';
import { sourceOf } from '../../config/resolve.ts';
import { serverSettings } from '../../config/settings.ts';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.ts';
import type { Command } from './command.ts';

export const serverCommand: Command = {
  name: 'server',
  summary: 'run the chat server',
  usage: ['securechat server [--host HOST] [--port PORT] [--home DIR] [--log-bodies]'],
  maxPositionals: 0,
  description: `
Runs the securechat server in the foreground. On first start it creates its
identity key and its database in <home>/server/ (mode 0700/0600) and prints
the key's fingerprint: clients show the same fingerprint on first contact, so
tell your colleagues what it is. It listens on every interface by default so
that colleagues can connect (use --host 127.0.0.1 for this machine only).
Logs go to standard error, one JSON object per line. SIGINT (Ctrl-C) or
SIGTERM stops it gracefully: clients are told, the store is flushed, exit 0.`,
  epilog: `
Files:
  <home>/server/        the server's identity key (server-identity.json) and its store
  <home>/config.json    optional config file (see --config)`,
  async run({ options }) {
    const settings = serverSettings(options);
    const warning = ensureHome(settings.home);
    if (warning !== undefined) process.stderr.write(`securechat: warning: ${warning}\n`);
    mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });

    // Signals are caught from the start: one that arrives while the store is
    // still loading stops the server as soon as it is up.
    let stopRequested: NodeJS.Signals | undefined;
    let onStop: (signal: NodeJS.Signals) => void = (signal) => {
      stopRequested = signal;
    };
    const onSignal = (signal: NodeJS.Signals): void => onStop(signal);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const { startServer } = await import('../../server/server.ts');
    let server;
    try {
      server = await startServer({
        host: settings.host,
        port: settings.port,
        dataDir: settings.dataDir,
        logBodies: settings.logBodies,
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const hostFrom = sourceOf(options, 'host') ?? 'default';
      const why =
        code === 'EADDRINUSE'
          ? `port ${settings.port} is already in use on ${settings.host} (another server running?)`
          : code === 'EACCES'
            ? `not allowed to listen on ${settings.host}:${settings.port}`
            : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
              ? `${settings.host} (from ${hostFrom}) is not an address of this machine; a server listens on one of its own addresses, or 0.0.0.0 for all`
              : (error as Error).message;
      process.stderr.write(`securechat server: cannot start: ${why}\n`);
      return EXIT_FAILURE;
    }

    const everywhere = server.host === '0.0.0.0' || server.host === '::';
    process.stdout.write(
      [
        `securechat server listening on ${server.host}:${server.port}${everywhere ? ' (every interface)' : ''}`,
        `data:        ${settings.dataDir}`,
        `fingerprint: ${server.fingerprint}`,
        'Clients see this fingerprint on first contact; they should check that it matches.',
        'Stop with Ctrl-C (SIGINT) or SIGTERM.',
        '',
      ].join('\n'),
    );

    const running = server;
    return new Promise<number>((resolve) => {
      let stopping = false;
      onStop = (signal) => {
        if (stopping) {
          process.stderr.write(`securechat server: ${signal} again: exiting without waiting\n`);
          resolve(EXIT_FAILURE);
          return;
        }
        stopping = true;
        process.stdout.write(`securechat server: ${signal}: stopping (clients are told, the store is flushed)…\n`);
        running.stop('the server is shutting down').then(
          () => {
            process.stdout.write('securechat server: stopped\n');
            resolve(EXIT_OK);
          },
          (error: Error) => {
            process.stderr.write(`securechat server: error while stopping: ${error.message}\n`);
            resolve(EXIT_FAILURE);
          },
        );
      };
      if (stopRequested !== undefined) onStop(stopRequested);
    });
  },
};
