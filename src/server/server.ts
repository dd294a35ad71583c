// The securechat server: a TCP listener whose connections each run the Noise
// handshake, then speak the request/response protocol of net/schema.ts over
// the encrypted channel. One event loop owns every connection.

import { mkdirSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { join } from 'node:path';
import { serverHandshake } from '../net/channel.ts';
import { ChannelError } from '../net/errors.ts';
import { MAX_CLIENT_MESSAGE_BYTES } from '../net/limits.ts';
import { LoginThrottle, RateLimiter, clientAddressKey, validateRoomName } from './accounts/index.ts';
import { ConnectionLimiter } from './connection-limiter.ts';
import { Connection } from './connection.ts';
import type { ServerContext } from './context.ts';
import { dispatch } from './dispatcher.ts';
import { Hub } from './hub.ts';
import { PresenceAnnouncer } from './presence.ts';
import { type DataLock, lockDataDir } from './data-lock.ts';
import { loadOrCreateIdentity } from './identity.ts';
import { type Logger, createLogger } from './log.ts';
import type { ChatStore } from './store/chat-store.ts';
import { SqlJsStore, type StoreFileSystem } from './store/index.ts';

export interface ServerOptions {
  host: string;
  port: number;
  dataDir: string;
  logBodies?: boolean;
  log?: Logger;
  /** Open simultaneous connections from one address (loopback is not exempt). */
  maxConnectionsPerAddress?: number;
  handshakeTimeoutMs?: number;
  /** Chat lines per user: a burst, then a steady rate. */
  messageRate?: { burst: number; perSecond: number };
  /** Noise handshakes per client address (each costs the server X25519 work). */
  handshakeRate?: { burst: number; perSecond: number };
  /** A connection that completes the handshake but does not log in is closed after this. */
  loginTimeoutMs?: number;
  /** Sign-ins and sign-outs of this interval are announced together at its end. */
  presenceIntervalMs?: number;
  /** Snapshot the store after this many journal records (default: the store's). */
  snapshotEveryRecords?: number;
  /** The store's file operations; tests inject faults here. */
  storeFileSystem?: StoreFileSystem;
}

export interface RunningServer {
  host: string;
  port: number;
  fingerprint: string;
  dataDir: string;
  stop(reason?: string): Promise<void>;
  /** For tests and the operator's status line. */
  stats(): { connections: number; online: number };
}

export const GENERAL_ROOM = 'general';
const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const DEFAULT_LOGIN_TIMEOUT_MS = 60_000;
/** Short enough to feel live to a person, long enough that a wave of sign-ins costs each connection one write. */
const DEFAULT_PRESENCE_INTERVAL_MS = 500;
/** A person typing fast, or pasting a few lines, stays well inside this. */
const DEFAULT_MESSAGE_RATE = { burst: 20, perSecond: 5 };
/** A whole office behind one NAT address reconnecting at once fits the burst. */
const DEFAULT_HANDSHAKE_RATE = { burst: 64, perSecond: 8 };

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? createLogger();
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const lock = lockDataDir(options.dataDir);
  try {
    return await run(options, log, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function run(options: ServerOptions, log: Logger, lock: DataLock): Promise<RunningServer> {
  const identity = loadOrCreateIdentity(options.dataDir);
  if (identity.created) log('identity_created', { file: identity.file, fingerprint: identity.fingerprint });
  const store: ChatStore = await SqlJsStore.open({
    dir: join(options.dataDir, 'store'),
    log,
    ...(options.storeFileSystem ? { fs: options.storeFileSystem } : {}),
    ...(options.snapshotEveryRecords ? { snapshotEveryRecords: options.snapshotEveryRecords } : {}),
  });
  const general = validateRoomName(GENERAL_ROOM);
  if (!general.ok) throw new Error('the default room name is invalid');
  const generalRoom = await store.ensureRoom(general.name, general.key, Date.now());

  const hub = new Hub(store);
  const context: ServerContext = {
    store,
    hub,
    presence: new PresenceAnnouncer(hub, options.presenceIntervalMs ?? DEFAULT_PRESENCE_INTERVAL_MS),
    log,
    logBodies: options.logBodies ?? false,
    loginThrottle: new LoginThrottle(),
    messageRate: new RateLimiter(options.messageRate ?? DEFAULT_MESSAGE_RATE),
    generalRoomId: generalRoom.id,
    shuttingDown: false,
    now: Date.now,
  };
  const limiter = new ConnectionLimiter(options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
  const handshakeRate = new RateLimiter(options.handshakeRate ?? DEFAULT_HANDSHAKE_RATE);
  const loginTimeoutMs = options.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
  const connections = new Set<Connection>();
  let nextConnectionId = 1;

  const accept = async (socket: Socket): Promise<void> => {
    const address = socket.remoteAddress ?? 'unknown';
    socket.on('error', () => {}); // every end of a socket is handled through 'close'
    // IPv6 clients are counted per /64, which one host usually owns whole.
    const addressKey = clientAddressKey(address);
    if (handshakeRate.take(addressKey) > 0) {
      log('connection_refused', { address, reason: 'too many new connections from this address' });
      socket.destroy();
      return;
    }
    if (!limiter.acquire(addressKey)) {
      log('connection_refused', { address, reason: 'too many open connections from this address' });
      socket.destroy();
      return;
    }
    socket.once('close', () => limiter.release(addressKey));
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    const id = nextConnectionId++;
    let channel;
    try {
      channel = await serverHandshake(socket, {
        staticKey: identity.keyPair,
        timeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
        maxMessageBytes: MAX_CLIENT_MESSAGE_BYTES,
      });
    } catch (error) {
      const code = error instanceof ChannelError ? error.code : 'handshake_failed';
      log('handshake_failed', { connection: id, address, code });
      return;
    }
    const connection = new Connection(id, address, channel, context, loginTimeoutMs);
    connections.add(connection);
    channel.on('message', (bytes) => dispatch(bytes, connection, context));
    channel.on('failure', (error) => {
      log('channel_failed', { connection: id, address, code: error.code, reason: error.message });
      connection.close(`connection error: ${error.message}`);
    });
    channel.on('close', () => {
      connections.delete(connection);
      connection.closed();
    });
  };

  const server: Server = createServer((socket) => void accept(socket));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A deep accept queue: with Node's default backlog (511) a reconnect storm
      // (thousands of clients at once while the event loop is busy) fills it and
      // the kernel drops SYNs, which clients resend only after 1 s, 2 s, 4 s, ...
      // Linux silently caps the backlog at net.core.somaxconn (4096 by default
      // since 5.4).
      server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : options.port;
  log('listening', { host: options.host, port, fingerprint: identity.fingerprint, dataDir: options.dataDir });

  const sweep = setInterval(() => void store.deleteExpiredSessions(Date.now()).catch(() => {}), 3_600_000);
  sweep.unref();

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'the server is shutting down'): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(sweep);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      context.shuttingDown = true;
      context.presence.stop();
      for (const connection of connections) connection.close(reason);
      await store.close();
      // Sockets of peers that do not read are cut off by Connection.close's grace timer.
      await closed;
      lock.release();
      log('stopped', { reason });
    })();
    return stopping;
  };

  return {
    host: options.host,
    port,
    fingerprint: identity.fingerprint,
    dataDir: options.dataDir,
    stop,
    stats: () => ({ connections: connections.size, online: context.hub.onlineCount() }),
  };
}
