// One logged-in session of the interactive client: the prompt, what arrives
// from the server, the slash commands, and the lines being sent. It ends on
// /logout, /quit (or Ctrl-D), when the server ends the session, or when the
// server's key changes under a reconnect.

import type { ChatClient, ConnectionState } from '../../net/client.ts';
import { ChannelError, RequestError, ServerKeyMismatchError } from '../../net/errors.ts';
import { bodyProblem } from '../../net/body-rules.ts';
import { LiveSession, Outbox } from '../../net/outbox.ts';
import type { ChatMessage, SessionStart } from '../../net/schema.ts';
import { helpLines, resolveCommand, type CommandContext } from './commands.ts';
import { ConnectionStatus } from './connection-status.ts';
import { styledError, styledMessage, styledNotice, styledStatus } from './format.ts';
import { parseInput } from './input.ts';
import type { Paint } from './style.ts';
import type { Terminal } from './terminal.ts';
import { mismatchText } from './trust-text.ts';

export type SessionEnd = { how: 'logout' | 'quit' | 'ended' } | { how: 'key_mismatch'; error: ServerKeyMismatchError };

export interface ChatSessionOptions {
  terminal: Terminal;
  client: ChatClient;
  paint: Paint;
  address: string;
  start: SessionStart;
  room: string;
  fingerprintSource: string | undefined;
  /** known_servers.json, named when the key changes. */
  pinFile: string;
}

const QUIT_GRACE_MS = 5000;

/** The outbox's tag for a line: whether it was shown as waiting, so that its sending is confirmed. */
interface LineState {
  queued: boolean;
}

export function runChatSession(options: ChatSessionOptions): Promise<SessionEnd> {
  const { terminal, client, paint, address, start } = options;
  const me = start.user;
  let room = 'general';
  let finished = false;
  let missedHeaderShown = false;
  /**
   * Who we believe is online. Presence is state: after a server restart
   * everyone comes back and is announced "online" again, though nobody was
   * told they had gone; only a change of this set is news worth a line.
   */
  const online = new Set(start.online);
  let resolveEnd: (end: SessionEnd) => void = () => {};
  const ended = new Promise<SessionEnd>((resolve) => {
    resolveEnd = resolve;
  });

  const notice = (text: string, ts = Date.now()): void => terminal.print(styledNotice(ts, text, paint));
  const error = (text: string): void => terminal.print(styledError(Date.now(), text, paint));
  const show = (message: ChatMessage, missed = false, queued = false): void =>
    terminal.print(
      styledMessage(
        message,
        { own: message.from === me, missed, queued, ...(message.room !== room ? { roomLabel: message.room } : {}) },
        paint,
      ),
    );
  const promptText = (): string => {
    const suffix = status.promptSuffix;
    return `[${room}] ${me}${suffix === '' ? '' : paint('notice', suffix)}> `;
  };

  const status = new ConnectionStatus(address, { notice, refreshPrompt: () => terminal.setPrompt(promptText()) });
  const live = new LiveSession(client);
  // A line typed while connected is shown at once, in green, and needs no
  // confirmation (the acknowledgement takes milliseconds; a refusal is
  // reported). A line that has to wait for the connection is shown dim and
  // "(queued)", and one dim "sent: …" line with the server's time follows
  // once it is stored.
  const outbox = new Outbox<LineState>(client, live, {
    acknowledged: (message, line) => {
      if (!line.tag.queued) return;
      const where = message.room === room ? '' : ` to ${message.room}`;
      terminal.print(styledStatus(message.ts, `sent${where}: ${preview(message.body)}`, paint));
    },
    refused: (line, reason) => error(`not sent to ${line.room}: ${describe(reason)} (${preview(line.body)})`),
    waiting: (line) => {
      if (line.tag.queued) return; // shown as queued when typed
      line.tag.queued = true;
      notice(`not connected: ${preview(line.body)} will be sent once the connection is back`);
    },
  });

  // ------------------------------------------------------------ server events
  const listeners = {
    message(message: ChatMessage, missed: boolean) {
      outbox.saw(message);
      if (missed && !missedHeaderShown) {
        missedHeaderShown = true;
        notice('while you were away:');
      }
      show(message, missed);
    },
    notice(event: { room: string; event: 'join' | 'leave'; user: string; ts: number }) {
      notice(`${event.user} ${event.event === 'join' ? 'joined' : 'left'} ${event.room}`, event.ts);
    },
    presence(event: { event: 'online' | 'offline'; user: string; ts: number }) {
      if (event.user === me) return;
      const known = online.has(event.user);
      if (event.event === 'online') online.add(event.user);
      else online.delete(event.user);
      if (known !== (event.event === 'online')) notice(`${event.user} is ${event.event}`, event.ts);
    },
    bye(reason: string) {
      notice(`the server says: ${reason}`);
    },
    state(state: ConnectionState, detail?: string) {
      if (state === 'reconnecting') missedHeaderShown = false;
      status.onState(state, detail);
    },
    session(resumed: SessionStart, automatic: boolean) {
      // Kept across a resume: who was online before the drop and comes back is not news.
      for (const name of resumed.online) online.add(name);
      if (automatic) status.onResumed();
    },
    sessionEnded(reason: string) {
      error(`the server ended the session (${reason}); log in again`);
      finish({ how: 'ended' });
    },
    error(failure: Error) {
      if (failure instanceof ServerKeyMismatchError) {
        finish({ how: 'key_mismatch', error: failure });
      } else {
        error(describe(failure));
      }
    },
  };
  client.on('message', listeners.message);
  client.on('notice', listeners.notice);
  client.on('presence', listeners.presence);
  client.on('bye', listeners.bye);
  client.on('state', listeners.state);
  client.on('session', listeners.session);
  client.on('sessionEnded', listeners.sessionEnded);
  client.on('error', listeners.error);

  function finish(end: SessionEnd): void {
    if (finished) return;
    finished = true;
    client.off('message', listeners.message);
    client.off('notice', listeners.notice);
    client.off('presence', listeners.presence);
    client.off('bye', listeners.bye);
    client.off('state', listeners.state);
    client.off('session', listeners.session);
    client.off('sessionEnded', listeners.sessionEnded);
    client.off('error', listeners.error);
    live.end('the session is over');
    terminal.closeChat();
    if (end.how === 'key_mismatch') mismatchText(end.error, options.fingerprintSource, options.pinFile).forEach((line) => error(line));
    resolveEnd(end);
  }

  async function leave(how: 'logout' | 'quit'): Promise<void> {
    if (outbox.size > 0) {
      notice(`sending ${outbox.size} more line(s)…`);
      await Promise.race([outbox.drain(), sleep(QUIT_GRACE_MS)]);
    }
    try {
      await client.logout();
    } catch (failure) {
      if (how === 'logout') {
        // Still holding a valid token: the library would resume it after a reconnect.
        error(`could not log out: ${describe(failure as Error)}; try again once connected`);
        return;
      }
    }
    if (how === 'logout') notice(`logged out ${me}`);
    finish({ how });
  }

  // ------------------------------------------------------------ typed lines
  const context: CommandContext = {
    get room() {
      return room;
    },
    switchRoom(next) {
      room = next;
      terminal.setPrompt(promptText());
    },
    notice,
    error,
    showMessages: (messages) => messages.forEach((message) => show(message)),
    help: () => {
      notice('commands:');
      helpLines().forEach((line) => notice(`  ${line}`));
      notice('  anything else is sent to the current room; Up/Down recall earlier lines, Tab completes commands');
    },
    end: (how) => void leave(how),
    client,
  };

  async function onLine(line: string): Promise<void> {
    const input = parseInput(line);
    switch (input.kind) {
      case 'empty':
        return;
      case 'message': {
        // Refused here, before it is shown as said, when the server would certainly refuse it.
        const problem = bodyProblem(input.text);
        if (problem !== undefined) return error(`not sent to ${room}: ${problem.message} (${preview(input.text)}; Up recalls it)`);
        const queued = !live.isLive;
        show({ id: 0, room, from: me, body: input.text, ts: Date.now() }, false, queued);
        outbox.enqueue(room, input.text, { queued });
        return;
      }
      case 'command': {
        const dispatch = resolveCommand(input.name, input.args);
        if (!dispatch.ok) return error(dispatch.error);
        try {
          await dispatch.command.run(context, dispatch.args);
        } catch (failure) {
          error(`/${dispatch.command.name}: ${describe(failure as Error)}`);
        }
      }
    }
  }

  // ------------------------------------------------------------ start
  void (async () => {
    const joined = start.rooms.filter((info) => info.joined).map((info) => info.name);
    notice(`logged in as ${me}; rooms: ${joined.join(', ')}; online: ${start.online.join(', ')}`);
    notice('type /help for the commands');
    if (options.room !== 'general' && start.history[options.room] === undefined) {
      await context.client
        .join(options.room)
        .then(({ room: info, history }) => {
          room = info.name;
          history.forEach((message) => show(message));
        })
        .catch((failure: Error) => error(`cannot join ${options.room}: ${describe(failure)}`));
    } else {
      room = options.room;
      (start.history[room] ?? []).forEach((message) => show(message));
    }
    if (finished) return;
    terminal.openChat(promptText(), {
      line: (line) => void onLine(line),
      close: () => void leave('quit'),
    });
  })();

  return ended;
}

function describe(error: Error): string {
  if (error instanceof ServerKeyMismatchError) return "the server's key changed";
  if (error instanceof ChannelError && error.code === 'closed') return 'not connected to the server (reconnecting)';
  if (error instanceof RequestError) return error.message;
  return error.message;
}

function preview(body: string): string {
  return body.length > 40 ? `"${body.slice(0, 40)}…"` : `"${body}"`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
