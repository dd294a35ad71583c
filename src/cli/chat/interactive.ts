// The interactive terminal client: connect (asking before trusting a new
// server key), then log in or register, chat, and on /logout back to the
// login prompt in the same process, until /quit or Ctrl-D.

import type { ChatSettings } from '../../config/settings.ts';
import type { Env } from '../../config/paths.ts';
import { ServerKeyMismatchError } from '../../net/errors.ts';
import { KnownServers } from '../../net/known-servers.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_SERVER_KEY_MISMATCH } from '../exit-codes.ts';
import { runChatSession } from './chat-session.ts';
import { connectFailure } from './connect-failure.ts';
import { connectTrusted, KeyNotTrusted } from './connect.ts';
import { styledError, styledNotice } from './format.ts';
import { loginPrompt } from './login.ts';
import { colourWanted, painter } from './style.ts';
import { Terminal } from './terminal.ts';
import { firstContactText, mismatchText } from './trust-text.ts';

export async function runInteractive(settings: ChatSettings, env: Env, fingerprintSource: string | undefined): Promise<number> {
  const terminal = new Terminal(process.stdin, process.stdout);
  try {
    return await converse(terminal, settings, env, fingerprintSource);
  } finally {
    terminal.release();
  }
}

async function converse(terminal: Terminal, settings: ChatSettings, env: Env, fingerprintSource: string | undefined): Promise<number> {
  const paint = painter(colourWanted(process.stdout, env));
  const info = (text: string): void => terminal.print(styledNotice(Date.now(), text, paint));
  const error = (text: string): void => terminal.print(styledError(Date.now(), text, paint));

  const address = KnownServers.address(settings.host, settings.port);
  info(`connecting to ${address}…`);
  let connected;
  try {
    connected = await connectTrusted(settings, {
      confirmNewKey: async (where, fingerprint) => {
        firstContactText(where, fingerprint).forEach((line) => terminal.print(line));
        const answer = await terminal.ask('Trust this key and connect? [y/N] ');
        return answer !== undefined && /^\s*y(es)?\s*$/i.test(answer);
      },
      pinned: ({ address: where, fingerprint, replaced, file }) =>
        info(
          replaced === undefined
            ? `pinned the key of ${where} (${fingerprint}) in ${file}`
            : `replaced the pinned key of ${where}: was ${replaced}, now ${fingerprint} (${file})`,
        ),
    });
  } catch (failure) {
    if (failure instanceof ServerKeyMismatchError) {
      mismatchText(failure, fingerprintSource, settings.knownServersFile).forEach((line) => error(line));
      return EXIT_SERVER_KEY_MISMATCH;
    }
    if (failure instanceof KeyNotTrusted) {
      error(failure.message);
      return EXIT_FAILURE;
    }
    error(connectFailure(failure as Error, address));
    return EXIT_FAILURE;
  }
  const { client, fingerprint } = connected;
  info(`connected to ${connected.address}, server key ${fingerprint}`);

  // Between sessions (at the login prompt) nobody else listens; a session has its own listener.
  let inSession = false;
  client.on('error', (failure) => {
    if (inSession) return;
    if (failure instanceof ServerKeyMismatchError) {
      mismatchText(failure, fingerprintSource, settings.knownServersFile).forEach((line) => error(line));
      client.close();
      terminal.release();
      process.exit(EXIT_SERVER_KEY_MISMATCH);
    }
    error(failure.message);
  });

  let suggestedUser = settings.user;
  try {
    for (;;) {
      const start = await loginPrompt(terminal, client, { info, error }, suggestedUser);
      if (start === undefined) return EXIT_OK;
      inSession = true;
      suggestedUser = start.user;
      const end = await runChatSession({
        terminal,
        client,
        paint,
        address: connected.address,
        start,
        room: settings.room,
        fingerprintSource,
        pinFile: settings.knownServersFile,
      });
      inSession = false;
      if (end.how === 'quit') return EXIT_OK;
      if (end.how === 'key_mismatch') return EXIT_SERVER_KEY_MISMATCH;
    }
  } finally {
    client.close();
  }
}
