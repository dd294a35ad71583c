// The client library shared by every client (terminal, desktop worker,
// benchmarks, tests): connect, handshake and pin check, requests with
// correlation and timeouts, events, and reconnection that resumes the session
// and fetches what was missed. Contract: docs/client-api.md.

import { EventEmitter } from 'node:events';
import { connect as tcpConnect, type Socket } from 'node:net';
import { oversizeBody } from './body-rules.ts';
import { clientHandshake, type SecureChannel } from './channel.ts';
import { ChannelError, ProtocolError, RequestError, ServerKeyMismatchError } from './errors.ts';
import { fingerprintOf, normaliseFingerprint } from './fingerprint.ts';
import { KnownServers } from './known-servers.ts';
import { MAX_CLIENT_MESSAGE_BYTES, MAX_SERVER_MESSAGE_BYTES } from './limits.ts';
import { nextReconnectDelay } from './reconnect-delay.ts';
import {
  type ChatMessage,
  type Request,
  type RequestType,
  type ResultMap,
  type RoomInfo,
  type ServerMessage,
  type SessionStart,
  decodeServerMessage,
} from './schema.ts';

export { RequestError } from './errors.ts';

export interface ClientOptions {
  host: string;
  port: number;
  knownServersFile: string;
  fingerprint?: string;
  autoReconnect?: boolean;
  requestTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /**
   * Asked on first contact with a server (no pin yet, no --fingerprint), after
   * the handshake and before anything is sent or pinned. Without it, a first
   * key is pinned as seen (scripts). Resolving false ends the connection.
   */
  confirmNewServerKey?: (info: { address: string; fingerprint: string }) => Promise<boolean>;
  /** Source address of the TCP connection (a host with several addresses; load tests). */
  localAddress?: string;
  /** Milliseconds to wait before reconnect attempt n (0-based); tests fix it. */
  reconnectDelay?: (attempt: number) => number;
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ClientEvents {
  state: [state: ConnectionState, detail?: string];
  serverKey: [info: { fingerprint: string; firstContact: boolean }];
  /** `automatic` is true after a resume done by the reconnect logic: its history is already shown, and missed lines follow as `message` events. */
  session: [start: SessionStart, automatic: boolean];
  /** The session ended without a logout by this client (token refused on resume). */
  sessionEnded: [reason: string];
  message: [message: ChatMessage, missed: boolean];
  notice: [notice: { room: string; event: 'join' | 'leave'; user: string; ts: number }];
  presence: [presence: { event: 'online' | 'offline'; user: string; ts: number }];
  bye: [reason: string];
  error: [error: Error];
}

interface Pending {
  type: RequestType;
  resolve: (result: never) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type RequestBody<T extends RequestType> = Omit<Extract<Request, { type: T }>, 'type' | 'id'>;

const MISSED_PAGE = 200;

export class ChatClient extends EventEmitter<ClientEvents> {
  private channel: SecureChannel | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private token: string | undefined;
  private closedByUs = false;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Newest message id seen per room: what "missed" is measured from after a reconnect. */
  private readonly lastSeen = new Map<string, number>();
  /**
   * While missed lines are being fetched after a resume: ids per room that
   * arrived live meanwhile. A line stored after the resume reaches us live
   * and may also be in the fetched pages; it is shown once.
   */
  private liveDuringCatchUp: Map<string, Set<number>> | undefined;
  private readonly knownServers: KnownServers;

  state: ConnectionState = 'idle';
  user: string | undefined;
  fingerprint: string | undefined;

  constructor(private readonly options: ClientOptions) {
    super();
    this.knownServers = new KnownServers(options.knownServersFile);
  }

  get address(): string {
    return KnownServers.address(this.options.host, this.options.port);
  }

  /** TCP + handshake + pin check. No credentials are sent here. */
  async connect(): Promise<{ fingerprint: string; firstContact: boolean }> {
    this.closedByUs = false;
    this.setState(this.state === 'reconnecting' ? 'reconnecting' : 'connecting');
    const socket = await openSocket(this.options.host, this.options.port, this.options.localAddress);
    let firstContact = false;
    const { channel, serverStaticKey } = await clientHandshake(socket, {
      timeoutMs: this.options.handshakeTimeoutMs ?? 10_000,
      maxMessageBytes: MAX_SERVER_MESSAGE_BYTES,
      verifyServerKey: (key) => {
        firstContact = this.verifyServerKey(fingerprintOf(key));
      },
    });
    const fingerprint = fingerprintOf(serverStaticKey);
    if (firstContact) {
      const confirm = this.options.confirmNewServerKey;
      if (confirm && !(await confirm({ address: this.address, fingerprint }))) {
        channel.destroy();
        this.setState('closed', 'server key not trusted');
        throw new ChannelError('server_key_rejected', `the key of ${this.address} (${fingerprint}) was not trusted; nothing was sent`);
      }
      this.knownServers.pin(this.address, fingerprint);
      // A person may take longer to decide than the server waits for a login: connect again, now pinned.
      if (channel.socket.destroyed) return this.connect();
    }
    this.fingerprint = fingerprint;
    this.attach(channel);
    this.reconnectAttempt = 0;
    this.setState('connected');
    this.emit('serverKey', { fingerprint: this.fingerprint, firstContact });
    return { fingerprint: this.fingerprint, firstContact };
  }

  register(username: string, password: string): Promise<SessionStart> {
    return this.startSession(this.request('register', { username, password }));
  }

  login(username: string, password: string): Promise<SessionStart> {
    return this.startSession(this.request('login', { username, password }));
  }

  resume(token: string): Promise<SessionStart> {
    return this.startSession(this.request('resume', { token }));
  }

  /** The current session's token (for a resume from another process); undefined when logged out. */
  get sessionToken(): string | undefined {
    return this.token;
  }

  async logout(): Promise<void> {
    await this.request('logout', {});
    this.token = undefined;
    this.user = undefined;
    this.lastSeen.clear();
  }

  async send(room: string, body: string): Promise<ChatMessage> {
    const tooLong = oversizeBody(body);
    if (tooLong) throw new RequestError(tooLong.code, tooLong.message);
    const { message } = await this.request('send', { room, body });
    this.see(message);
    return message;
  }

  async join(room: string): Promise<ResultMap['join']> {
    const result = await this.request('join', { room });
    result.history.forEach((message) => this.see(message));
    if (!this.lastSeen.has(result.room.name)) this.lastSeen.set(result.room.name, 0);
    return result;
  }

  async leave(room: string): Promise<void> {
    const result = await this.request('leave', { room });
    this.lastSeen.delete(result.room);
  }

  async rooms(): Promise<RoomInfo[]> {
    return (await this.request('rooms', {})).rooms;
  }

  async users(): Promise<string[]> {
    return (await this.request('users', {})).online;
  }

  history(room: string, page: { before?: number; after?: number; limit?: number } = {}): Promise<ResultMap['history']> {
    return this.request('history', { room, ...page });
  }

  /** Hangs up without logging out; the session token stays valid for a later resume. */
  close(): void {
    this.closedByUs = true;
    clearTimeout(this.reconnectTimer);
    this.channel?.destroy();
    this.channel = undefined;
    this.rejectAll(new ChannelError('closed', 'the client was closed'));
    this.setState('closed');
  }

  /** Sends one request and resolves with its typed result. */
  request<T extends RequestType>(type: T, body: RequestBody<T>): Promise<ResultMap[T]> {
    const channel = this.channel;
    if (!channel) return Promise.reject(new ChannelError('closed', 'not connected to the server'));
    const id = this.nextId++;
    const bytes = Buffer.from(JSON.stringify({ ...body, type, id }));
    // The server would close the connection over this, and a retry would loop: refuse here instead.
    if (bytes.length > MAX_CLIENT_MESSAGE_BYTES) {
      return Promise.reject(new RequestError('bad_request', `the request is ${bytes.length} bytes; the limit is ${MAX_CLIENT_MESSAGE_BYTES}`));
    }
    return new Promise<ResultMap[T]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ChannelError('timeout', `the server did not answer "${type}" in time`));
      }, this.options.requestTimeoutMs ?? 15_000);
      this.pending.set(id, { type, resolve: resolve as (result: never) => void, reject, timer });
      channel.send(bytes);
    });
  }

  private async startSession(request: Promise<SessionStart>, automatic = false): Promise<SessionStart> {
    const start = await request;
    this.token = start.token;
    this.user = start.user;
    for (const [room, messages] of Object.entries(start.history)) {
      if (!this.lastSeen.has(room)) this.lastSeen.set(room, 0);
      messages.forEach((message) => this.see(message));
    }
    this.emit('session', start, automatic);
    return start;
  }

  /** Returns true on first contact (no pin yet: the caller pins once trusted); throws on a mismatch. */
  private verifyServerKey(actual: string): boolean {
    const address = this.address;
    if (this.options.fingerprint !== undefined) {
      const expected = normaliseFingerprint(this.options.fingerprint);
      if (expected !== actual) throw new ServerKeyMismatchError(address, expected, actual, undefined);
    }
    const check = this.knownServers.check(address, actual);
    if (check.status === 'mismatch') {
      throw new ServerKeyMismatchError(address, check.expected, actual, this.knownServers.file);
    }
    return check.status === 'new';
  }

  private attach(channel: SecureChannel): void {
    this.channel = channel;
    channel.on('message', (bytes) => this.onMessage(bytes));
    channel.on('failure', (error) => this.emit('error', error));
    channel.socket.on('error', () => {}); // reported through 'close'
    channel.on('close', () => this.onClose(channel));
  }

  private onMessage(bytes: Buffer): void {
    let message: ServerMessage;
    try {
      message = decodeServerMessage(bytes.toString('utf8'));
    } catch (error) {
      this.emit('error', error as ProtocolError);
      return;
    }
    switch (message.type) {
      case 'result': {
        const pending = this.takePending(message.id);
        if (!pending) break;
        // A result is only checked against the type it names: one for another request must not pass as this one's.
        if (pending.type === message.for) pending.resolve(message.result as never);
        else pending.reject(new ProtocolError('bad_request', `the server answered "${pending.type}" with a result for "${message.for}"`));
        break;
      }
      case 'error': {
        const error = new RequestError(message.code, message.message, message.retryAfterMs);
        const pending = message.id === undefined ? undefined : this.takePending(message.id);
        if (pending) pending.reject(error);
        else this.emit('error', error);
        break;
      }
      case 'message': {
        const { room, id } = message.message;
        if (this.liveDuringCatchUp) {
          const ids = this.liveDuringCatchUp.get(room) ?? new Set<number>();
          this.liveDuringCatchUp.set(room, ids.add(id));
        }
        this.see(message.message);
        this.emit('message', message.message, false);
        break;
      }
      case 'notice':
        this.emit('notice', { room: message.room, event: message.event, user: message.user, ts: message.ts });
        break;
      case 'presence':
        this.emit('presence', { event: message.event, user: message.user, ts: message.ts });
        break;
      case 'bye':
        this.emit('bye', message.reason);
        break;
    }
  }

  private takePending(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }

  private see(message: ChatMessage): void {
    if ((this.lastSeen.get(message.room) ?? 0) < message.id) this.lastSeen.set(message.room, message.id);
  }

  private onClose(channel: SecureChannel): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.rejectAll(new ChannelError('closed', 'the connection to the server was lost'));
    if (this.closedByUs) return;
    if (this.options.autoReconnect === false) {
      this.setState('closed', 'connection lost');
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = (this.options.reconnectDelay ?? nextReconnectDelay)(this.reconnectAttempt++);
    this.setState('reconnecting', `connection lost; retrying in ${Math.ceil(delay / 1000)} s`);
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      if (this.closedByUs) return;
      if (error instanceof ServerKeyMismatchError) {
        // Never retry into a key we do not trust.
        this.setState('closed', error.message);
        this.emit('error', error);
        return;
      }
      this.scheduleReconnect();
      return;
    }
    if (this.token !== undefined) await this.resumeAndCatchUp(this.token);
  }

  private async resumeAndCatchUp(token: string): Promise<void> {
    const before = new Map(this.lastSeen);
    this.liveDuringCatchUp = new Map();
    try {
      await this.resumeThenFetchMissed(token, before);
    } finally {
      this.liveDuringCatchUp = undefined;
    }
  }

  private async resumeThenFetchMissed(token: string, before: Map<string, number>): Promise<void> {
    try {
      await this.startSession(this.request('resume', { token }), true);
    } catch (error) {
      this.token = undefined;
      this.user = undefined;
      if (error instanceof RequestError) {
        this.emit('sessionEnded', error.message);
      } else if (!this.closedByUs) {
        this.channel?.destroy(); // try the whole reconnect again
      }
      return;
    }
    try {
      for (const [room, afterId] of before) await this.fetchMissed(room, afterId);
    } catch (error) {
      this.emit('error', error as Error);
    }
  }

  private async fetchMissed(room: string, afterId: number): Promise<void> {
    let after = afterId;
    for (;;) {
      const page = await this.history(room, { after, limit: MISSED_PAGE });
      const live = this.liveDuringCatchUp?.get(room);
      for (const message of page.messages) {
        if (live?.has(message.id)) continue;
        this.see(message);
        this.emit('message', message, true);
      }
      if (!page.more || page.messages.length === 0) return;
      after = page.messages[page.messages.length - 1]!.id;
    }
  }

  private rejectAll(error: Error): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(error);
    }
  }

  private setState(state: ConnectionState, detail?: string): void {
    this.state = state;
    this.emit('state', state, detail);
  }
}

function openSocket(host: string, port: number, localAddress: string | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port, noDelay: true, ...(localAddress ? { localAddress } : {}) });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
