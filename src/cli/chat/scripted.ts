// Scripted mode, for bots, tests and shell pipelines: no questions asked.
// The password comes from SECURECHAT_PASSWORD or the first line of standard
// input; every further input line is sent to the room; every line received
// is printed to standard output, one per line:
//
//   [HH:MM:SS] name: text        a message (the history sent on login included)
//   [HH:MM:SS] * text            a server notice (joins, leaves, the server going away)
//
// Diagnostics go to standard error. At the end of input it waits for every
// line to be acknowledged and exits 0, or non-zero with the reason; with
// --listen it keeps printing until SIGINT or SIGTERM.

import { createInterface } from 'node:readline';
import type { Env } from '../../config/paths.ts';
import type { ChatSettings } from '../../config/settings.ts';
import { KnownServers } from '../../net/known-servers.ts';
import { ServerKeyMismatchError } from '../../net/errors.ts';
import type { ChatClient } from '../../net/client.ts';
import { LiveSession, Outbox } from '../../net/outbox.ts';
import type { ChatMessage } from '../../net/schema.ts';
import { OptionError } from '../../config/errors.ts';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_SERVER_KEY_MISMATCH } from '../exit-codes.ts';
import { connectFailure } from './connect-failure.ts';
import { connectTrusted } from './connect.ts';
import { plainMessage, plainNotice } from './format.ts';
import { loginFailure } from './login.ts';
import { neutralise } from './sanitize.ts';
import { Terminal } from './terminal.ts';
import { mismatchText } from './trust-text.ts';

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const diag = (line: string): void => void process.stderr.write(`securechat: ${line}\n`);

/** Where the password comes from, in order; never from a flag (it would show in `ps`) nor the config file. */
async function readPassword(
  settings: ChatSettings,
  env: Env,
  nextLine: () => Promise<string | undefined>,
): Promise<string> {
  if (settings.passwordStdin) {
    const line = await nextLine();
    if (line === undefined) throw new OptionError('--password-stdin: standard input ended before the password line');
    return line;
  }
  const fromEnv = env.SECURECHAT_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.stdin.isTTY === true) {
    const typed = await new Terminal(process.stdin, process.stderr).askSecret(`Password for ${settings.user}: `);
    if (typed !== undefined) return typed;
  }
  throw new OptionError('no password: set SECURECHAT_PASSWORD or pass --password-stdin (and the password as the first input line)');
}

type Outcome = { code: number; reason?: string };

export async function runScripted(settings: ChatSettings, env: Env, fingerprintSource: string | undefined): Promise<number> {
  const user = settings.user;
  if (user === undefined) {
    throw new OptionError('scripted mode (standard input is not a terminal) needs --user NAME');
  }
  // The password is read before the line reader exists, so that a terminal prompt and it do not share stdin.
  let lines: AsyncIterator<string> | undefined;
  const openLines = (): AsyncIterator<string> => {
    lines ??= createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity })[Symbol.asyncIterator]();
    return lines;
  };
  const nextLine = async (): Promise<string | undefined> => {
    const next = await openLines().next();
    return next.done === true ? undefined : next.value;
  };
  // Caught from the start, so that a signal during the connection or the login
  // is an orderly exit too; converse() takes them over once the session runs.
  let onSignal = (signal: NodeJS.Signals): void => process.exit(signalExit(signal, settings.listen));
  const signalHandler = (signal: NodeJS.Signals): void => onSignal(signal);
  process.on('SIGINT', signalHandler);
  process.on('SIGTERM', signalHandler);

  const password = await readPassword(settings, env, nextLine);
  const address = KnownServers.address(settings.host, settings.port);

  let client: ChatClient;
  try {
    ({ client } = await connectTrusted(settings, {
      pinned: ({ address: where, fingerprint, replaced, file }) =>
        diag(
          replaced === undefined
            ? `new server ${where}: key ${fingerprint} pinned in ${file}`
            : `server ${where}: pinned key replaced (was ${replaced}, now ${fingerprint}) in ${file}`,
        ),
    }));
  } catch (failure) {
    if (failure instanceof ServerKeyMismatchError) {
      mismatchText(failure, fingerprintSource, settings.knownServersFile).forEach(diag);
      return EXIT_SERVER_KEY_MISMATCH;
    }
    diag(connectFailure(failure as Error, address));
    return EXIT_FAILURE;
  }

  let settle: (outcome: Outcome) => void = () => {};
  const finished = new Promise<Outcome>((resolve) => {
    settle = resolve;
  });
  client.on('error', (failure) => {
    if (failure instanceof ServerKeyMismatchError) {
      mismatchText(failure, fingerprintSource, settings.knownServersFile).forEach(diag);
      settle({ code: EXIT_SERVER_KEY_MISMATCH });
    } else {
      diag(neutralise(failure.message));
    }
  });

  try {
    let start;
    try {
      start = settings.register ? await client.register(user, password) : await client.login(user, password);
    } catch (failure) {
      diag(loginFailure(failure as Error, settings.register));
      return EXIT_FAILURE;
    }
    let room = settings.room;
    let history = start.history[room];
    if (history === undefined) {
      try {
        const joined = await client.join(room);
        room = joined.room.name;
        history = joined.history;
      } catch (failure) {
        diag(`cannot join room ${neutralise(room)}: ${neutralise((failure as Error).message)}`);
        return EXIT_FAILURE;
      }
    }
    diag(`${settings.register ? 'registered and logged in' : 'logged in'} as ${neutralise(start.user)} at ${address}, room ${neutralise(room)}`);
    onSignal = (signal) => settle({ code: signalExit(signal, settings.listen) });
    return await converse(client, room, history, settings.listen, nextLine, finished, settle);
  } finally {
    process.off('SIGINT', signalHandler);
    process.off('SIGTERM', signalHandler);
    client.close();
  }
}

/** With --listen a signal is the normal way to stop (exit 0); otherwise it interrupts (128 + signal number). */
function signalExit(signal: NodeJS.Signals, listen: boolean): number {
  if (listen) return EXIT_OK;
  return signal === 'SIGINT' ? EXIT_INTERRUPTED : 128 + 15;
}

async function converse(
  client: ChatClient,
  room: string,
  history: readonly ChatMessage[],
  listen: boolean,
  nextLine: () => Promise<string | undefined>,
  finished: Promise<Outcome>,
  settle: (outcome: Outcome) => void,
): Promise<number> {
  const live = new LiveSession(client);
  let refusals = 0;
  const outbox = new Outbox(client, live, {
    acknowledged: () => {},
    refused: (line, reason) => {
      refusals++;
      diag(`not sent (${neutralise(reason.message)}): ${neutralise(line.body.slice(0, 60))}`);
    },
    waiting: () => diag('not connected: waiting for the connection to come back'),
  });

  history.forEach((message) => outbox.saw(message));
  history.forEach((message) => out(plainMessage(message)));
  client.on('message', (message) => {
    outbox.saw(message);
    if (message.room === room) out(plainMessage(message));
  });
  client.on('notice', (notice) => {
    if (notice.room === room) out(plainNotice(notice.ts, `${notice.user} ${notice.event === 'join' ? 'joined' : 'left'} ${notice.room}`));
  });
  client.on('bye', (reason) => out(plainNotice(Date.now(), `the server says: ${reason}`)));
  client.on('state', (state, detail) => {
    if (state === 'reconnecting') diag(detail ?? 'connection lost; reconnecting');
    if (state === 'closed') settle({ code: EXIT_FAILURE, reason: `connection closed: ${detail ?? 'no reason given'}` });
  });
  client.on('session', (_start, automatic) => {
    if (automatic) diag('reconnected; session resumed');
  });
  client.on('sessionEnded', (reason) => settle({ code: EXIT_FAILURE, reason: `the server ended the session: ${reason}` }));

  // Each input line is a message, sent verbatim: no slash commands here.
  const reading = (async () => {
    for (let line = await nextLine(); line !== undefined; line = await nextLine()) {
      if (line.trim() !== '') outbox.enqueue(room, line);
    }
    await outbox.drain();
    if (!listen) settle({ code: refusals > 0 ? EXIT_FAILURE : EXIT_OK, ...(refusals > 0 ? { reason: `${refusals} line(s) not sent` } : {}) });
  })();
  reading.catch((failure: Error) => settle({ code: EXIT_FAILURE, reason: failure.message }));

  const outcome = await finished;
  if (outcome.reason !== undefined) diag(outcome.reason);
  live.end('finished');
  if (client.state === 'connected') {
    // Revoke the token: a script's session should not outlive it.
    await client.logout().catch(() => {});
  }
  return outcome.code;
}
