// The socket side of the bridge: owns one ChatClient, turns UI actions into
// client calls and client events into HostEvents. It runs in the desktop
// host's worker thread, and in the headless-browser tests directly in the
// test process (behind playwright's exposeFunction), so both exercise the
// same code. Lines to send go through the outbox shared with the terminal
// client (src/net/outbox.ts): while the connection is down they wait here,
// and go out once, in order, after the session has resumed.

import { ChatClient } from '../net/client.ts';
import { ChannelError, RequestError, ServerKeyMismatchError } from '../net/errors.ts';
import { LiveSession, Outbox, SessionGone } from '../net/outbox.ts';
import type { ChatMessage } from '../net/schema.ts';
import { knownServersFile } from '../config/paths.ts';
import type { HostEvent, LoginField, UiAction } from './bridge-protocol.ts';

export interface SessionOptions {
  /** The SECURECHAT_HOME folder; pins live in <home>/known_servers.json. */
  home: string;
  /** Where the login panel points at first. */
  host: string;
  port: number;
  /** A fingerprint given on the command line: pinned up front for host:port above. */
  fingerprint?: string;
  version: string;
  /** Overrides for tests. */
  requestTimeoutMs?: number;
}

const LOGOUT_ON_EXIT_TIMEOUT_MS = 3000;
/** How long File → Exit waits for lines still being sent (the host terminates the worker after 6 s). */
const SEND_ON_EXIT_GRACE_MS = 2000;
/** How long Logout waits for lines still being sent, as the terminal client's /logout does. */
const SEND_ON_LOGOUT_GRACE_MS = 5000;
const HISTORY_PAGE = 20;
/** Lines that may wait for the connection; one more is refused at once (shown as not sent). */
export const MAX_QUEUED_LINES = 100;

/** A line in the outbox: the page's reference, and who waits for its outcome. */
interface QueuedLine {
  ref: number;
  settle: () => void;
}

/** The lines of one logged-in session, sent in order and kept across reconnects (src/net/outbox.ts). */
interface SessionOutbox {
  live: LiveSession;
  outbox: Outbox<QueuedLine>;
}

/** Which login field a server error code belongs to. */
const LOGIN_FIELD: Partial<Record<string, LoginField>> = {
  invalid_username: 'username',
  username_taken: 'username',
  invalid_password: 'password',
  invalid_credentials: 'password',
};

export class ClientSession {
  private client: ChatClient | undefined;
  private target: { host: string; port: number } | undefined;
  private exiting = false;
  /** Settles the open "trust this new key?" question, when there is one. */
  private answerTrust: ((trust: boolean) => void) | undefined;
  /** The logged-in session's outbox; undefined when logged out. */
  private sending: SessionOutbox | undefined;

  constructor(
    private readonly options: SessionOptions,
    private readonly emit: (event: HostEvent) => void,
  ) {
    emit({ type: 'hello', host: options.host, port: options.port, version: options.version });
  }

  /** Handles one action; never rejects (failures become events). */
  async handle(action: UiAction): Promise<void> {
    if (this.exiting) return;
    try {
      await this.dispatch(action);
    } catch (error) {
      this.emit({ type: 'failed', action: action.type, ...describe(error) });
    }
  }

  /** Logs out (if logged in) and hangs up. Used by File → Exit and by closing the window. */
  async shutdown(): Promise<void> {
    this.exiting = true;
    this.settleTrust(false);
    const client = this.client;
    if (!client) return;
    await this.finishSending(SEND_ON_EXIT_GRACE_MS);
    this.endSending('the window was closed');
    if (client.user !== undefined && client.state === 'connected') {
      await Promise.race([client.logout().catch(() => undefined), delay(LOGOUT_ON_EXIT_TIMEOUT_MS)]);
    }
    this.drop();
  }

  private async dispatch(action: UiAction): Promise<void> {
    switch (action.type) {
      case 'login':
        return this.login(action);
      case 'send':
        return this.send(action);
      case 'join': {
        const result = await this.connected().join(action.room);
        result.history.forEach((message) => this.sending?.outbox.saw(message));
        this.emit({ type: 'joined', room: result.room, history: result.history });
        return;
      }
      case 'leave':
        await this.connected().leave(action.room);
        this.emit({ type: 'left', room: action.room });
        return;
      case 'rooms':
        this.emit({ type: 'rooms', rooms: await this.connected().rooms() });
        return;
      case 'users':
        this.emit({ type: 'users', online: await this.connected().users() });
        return;
      case 'history': {
        const limit = action.limit ?? HISTORY_PAGE;
        const page = await this.connected().history(action.room, action.before === undefined ? { limit } : { before: action.before, limit });
        page.messages.forEach((message) => this.sending?.outbox.saw(message));
        this.emit({ type: 'history', room: page.room, messages: page.messages, more: page.more });
        return;
      }
      case 'trustServerKey':
        this.settleTrust(action.trust);
        return;
      case 'logout':
        return this.logout();
      case 'exit':
        return this.shutdown();
    }
  }

  private connected(): ChatClient {
    if (!this.client || this.client.user === undefined) throw new ChannelError('closed', 'not logged in');
    return this.client;
  }

  private async login(action: Extract<UiAction, { type: 'login' }>): Promise<void> {
    let client = this.client;
    const sameServer = this.target?.host === action.host && this.target.port === action.port;
    if (!client || !sameServer || client.state !== 'connected') {
      this.drop();
      client = this.create(action.host, action.port);
      try {
        await client.connect();
      } catch (error) {
        if (this.client === client) this.drop();
        this.emitConnectFailure(error, action.host, action.port);
        return;
      }
    }
    try {
      if (action.register) await client.register(action.username, action.password);
      else await client.login(action.username, action.password);
      // The 'session' listener reports success.
    } catch (error) {
      const { code, message } = describe(error);
      this.emit({ type: 'loginFailed', field: LOGIN_FIELD[code] ?? 'form', code, message });
    }
  }

  /**
   * Queues the line; resolves once it was sent ('sent') or refused
   * ('sendFailed'). While the connection is down the line waits (the page
   * shows it as pending) and goes out once the session has resumed.
   */
  private send(action: Extract<UiAction, { type: 'send' }>): Promise<void> {
    const sending = this.sending;
    if (!sending) {
      this.emit({ type: 'sendFailed', ref: action.ref, code: 'closed', message: 'not logged in' });
      return Promise.resolve();
    }
    return new Promise<void>((settle) => {
      if (!sending.outbox.enqueue(action.room, action.body, { ref: action.ref, settle })) {
        this.emit({
          type: 'sendFailed',
          ref: action.ref,
          code: 'queue_full',
          message: `${MAX_QUEUED_LINES} lines are already waiting to be sent; wait for the connection to come back`,
        });
        settle();
      }
    });
  }

  /** A fresh login: a new outbox, fed with everything seen from now on. */
  private startSending(client: ChatClient, history: Record<string, ChatMessage[]>): void {
    this.endSending('logged in again');
    const live = new LiveSession(client);
    const current: SessionOutbox = {
      live,
      outbox: new Outbox<QueuedLine>(
        client,
        live,
        {
          acknowledged: (message, line) => {
            if (this.sending === current) this.emit({ type: 'sent', ref: line.tag.ref, message });
            line.tag.settle();
          },
          refused: (line, error) => {
            // After a logout or a new login the page has cleared the old session's lines.
            if (this.sending === current) this.emit({ type: 'sendFailed', ref: line.tag.ref, ...describe(error) });
            line.tag.settle();
          },
        },
        { maxQueued: MAX_QUEUED_LINES },
      ),
    };
    for (const messages of Object.values(history)) messages.forEach((message) => current.outbox.saw(message));
    this.sending = current;
  }

  /** Gives lines still queued up to `graceMs` to go out, if the session is live. */
  private async finishSending(graceMs: number): Promise<void> {
    const sending = this.sending;
    if (!sending || sending.outbox.size === 0 || !sending.live.isLive) return;
    await Promise.race([sending.outbox.drain(), delay(graceMs)]);
  }

  /** Ends the session's outbox; returns how many lines were still waiting (now dropped). */
  private endSending(reason: string): number {
    const sending = this.sending;
    if (!sending) return 0;
    this.sending = undefined;
    const unsent = sending.outbox.size;
    sending.live.end(reason);
    return unsent;
  }

  private async logout(): Promise<void> {
    const client = this.client;
    if (!client || client.user === undefined) {
      this.endSending('logged out');
      this.emit({ type: 'loggedOut' });
      return;
    }
    await this.finishSending(SEND_ON_LOGOUT_GRACE_MS);
    const unsent = unsentText(this.endSending('logged out'));
    try {
      await client.logout();
      this.emit(unsent === '' ? { type: 'loggedOut' } : { type: 'loggedOut', reason: unsent.trim() });
    } catch (error) {
      // The token could not be revoked (connection gone): forget it locally anyway.
      this.drop();
      this.emit({ type: 'loggedOut', reason: `logged out on this computer only: ${describe(error).message}${unsent === '' ? '' : `.${unsent}`}` });
    }
  }

  /**
   * First contact with a server whose key nobody gave us: ask the person (as
   * the terminal client does) before anything is sent or pinned.
   */
  private confirmNewKey(client: ChatClient, info: { address: string; fingerprint: string }): Promise<boolean> {
    if (this.client !== client || this.exiting) return Promise.resolve(false);
    this.settleTrust(false); // an older question cannot still be open, but never leave one hanging
    return new Promise<boolean>((resolve) => {
      this.answerTrust = resolve;
      this.emit({ type: 'confirmServerKey', address: info.address, fingerprint: info.fingerprint });
    });
  }

  private settleTrust(trust: boolean): void {
    const answer = this.answerTrust;
    this.answerTrust = undefined;
    answer?.(trust);
  }

  private create(host: string, port: number): ChatClient {
    const pinUpFront = host === this.options.host && port === this.options.port ? this.options.fingerprint : undefined;
    const client: ChatClient = new ChatClient({
      host,
      port,
      knownServersFile: knownServersFile(this.options.home),
      // A fingerprint given on the command line is the person's answer already.
      ...(pinUpFront !== undefined ? { fingerprint: pinUpFront } : { confirmNewServerKey: (info) => this.confirmNewKey(client, info) }),
      ...(this.options.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.options.requestTimeoutMs } : {}),
    });
    const address = client.address;
    const live = (): boolean => this.client === client && !this.exiting;
    client.on('state', (state, detail) => {
      if (live()) this.emit(detail === undefined ? { type: 'state', state } : { type: 'state', state, detail });
    });
    client.on('serverKey', ({ fingerprint, firstContact }) => {
      if (live()) this.emit({ type: 'serverKey', address, fingerprint, firstContact });
    });
    client.on('session', (start, automatic) => {
      if (!live()) return;
      if (!automatic || !this.sending) this.startSending(client, start.history);
      this.emit({ type: 'session', address, user: start.user, rooms: start.rooms, online: start.online, history: start.history, resumed: automatic });
    });
    client.on('sessionEnded', (reason) => {
      if (!live()) return;
      const unsent = unsentText(this.endSending(reason));
      this.emit({ type: 'loggedOut', reason: `${reason}${unsent}` });
    });
    client.on('message', (message, missed) => {
      if (!live()) return;
      this.sending?.outbox.saw(message);
      this.emit({ type: 'message', message, missed });
    });
    client.on('notice', (notice) => {
      if (live()) this.emit({ type: 'notice', ...notice });
    });
    client.on('presence', (presence) => {
      if (live()) this.emit({ type: 'presence', ...presence });
    });
    client.on('bye', (reason) => {
      if (live()) this.emit({ type: 'bye', reason });
    });
    client.on('error', (error) => {
      if (!live()) return;
      if (error instanceof ServerKeyMismatchError) this.emitKeyChanged(error);
      else this.emit({ type: 'failed', action: 'connection', ...describe(error) });
    });
    this.client = client;
    this.target = { host, port };
    return client;
  }

  private drop(): void {
    this.settleTrust(false);
    this.endSending('disconnected');
    const client = this.client;
    this.client = undefined;
    this.target = undefined;
    client?.close();
  }

  private emitConnectFailure(error: unknown, host: string, port: number): void {
    if (error instanceof ServerKeyMismatchError) {
      this.emitKeyChanged(error);
      return;
    }
    const { code, message } = describe(error);
    if (code === 'server_key_rejected') {
      this.emit({ type: 'loginFailed', field: 'form', code, message: 'You did not trust the server\'s key, so nothing was sent (no username, no password). Log in again to see the key once more.' });
      return;
    }
    this.emit({ type: 'loginFailed', field: 'server', code, message: connectMessage(code, message, host, port) });
  }

  private emitKeyChanged(error: ServerKeyMismatchError): void {
    this.emit({
      type: 'keyChanged',
      address: error.address,
      expected: error.expected,
      actual: error.actual,
      ...(error.pinFile !== undefined ? { pinFile: error.pinFile } : {}),
    });
  }
}

function unsentText(count: number): string {
  return count === 0 ? '' : ` ${count} line${count === 1 ? ' was' : 's were'} not sent.`;
}

/** A stable code and a readable message for any error crossing into the UI. */
function describe(error: unknown): { code: string; message: string } {
  if (error instanceof SessionGone) return { code: 'session_gone', message: error.message };
  if (error instanceof RequestError) {
    const wait = error.retryAfterMs !== undefined ? ` (try again in ${Math.ceil(error.retryAfterMs / 1000)} s)` : '';
    return { code: error.code, message: error.message + wait };
  }
  if (error instanceof ChannelError) return { code: error.code, message: error.message };
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { code: typeof code === 'string' ? code : 'error', message: error.message };
  }
  return { code: 'error', message: String(error) };
}

function connectMessage(code: string, message: string, host: string, port: number): string {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `Cannot reach the server at ${where}: connection refused. Is the server running on that port?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot find the host "${host}". Check the server address.`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `Cannot reach the server at ${where} (${code}). Check the address and your network.`;
    default:
      return `Cannot connect to ${where}: ${message}`;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
