// A client that speaks the wire protocol by hand, for tests that must send
// what the real client library never would: raw bytes before or after the
// handshake, application messages that are not JSON or not UTF-8, tampered,
// replayed or reordered ciphertexts. It records everything the server says.

import { type Socket, connect } from 'node:net';
import { type SecureChannel, clientHandshake } from '../../src/net/channel.ts';
import { ChannelError } from '../../src/net/errors.ts';
import { MAX_SERVER_MESSAGE_BYTES } from '../../src/net/limits.ts';
import { type ServerMessage, decodeServerMessage } from '../../src/net/schema.ts';

export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // resets are expected: the end shows as 'close'
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Resolves when the socket has closed, or with false after `timeoutMs`. */
export function closedWithin(socket: Socket, timeoutMs: number): Promise<boolean> {
  if (socket.destroyed && socket.readyState === 'closed') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export class RawClient {
  readonly received: ServerMessage[] = [];
  /** Server messages that did not decode (should never happen). */
  readonly undecodable: string[] = [];
  readonly closed: Promise<void>;
  /** Far above the ids that fuzzed requests carry, so that answers cannot be confused. */
  private nextId = 1_000_000_000;
  private waiters: Array<{ match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];

  private constructor(readonly channel: SecureChannel) {
    this.closed = new Promise((resolve) => channel.once('close', () => resolve()));
    channel.on('message', (bytes) => {
      let message: ServerMessage;
      try {
        message = decodeServerMessage(bytes.toString('utf8'));
      } catch {
        this.undecodable.push(bytes.toString('utf8'));
        return;
      }
      this.received.push(message);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.match(message)) return true;
        waiter.resolve(message);
        return false;
      });
    });
    channel.on('failure', () => {});
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = await openSocket(port);
    const { channel } = await clientHandshake(socket, {
      timeoutMs: 5000,
      maxMessageBytes: MAX_SERVER_MESSAGE_BYTES,
      verifyServerKey: () => {},
    });
    return new RawClient(channel);
  }

  get socket(): Socket {
    return this.channel.socket;
  }

  /** The next server message that matches, or a timeout error. */
  next(match: (m: ServerMessage) => boolean, timeoutMs = 5000): Promise<ServerMessage> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new ChannelError('timeout', 'no matching server message')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Sends a request object (any shape) and resolves with the server's answer to its id. */
  async request(body: Record<string, unknown>, timeoutMs = 5000): Promise<ServerMessage> {
    const id = this.nextId++;
    this.sendText(JSON.stringify({ ...body, id }));
    return this.next((m) => (m.type === 'result' || m.type === 'error') && m.id === id, timeoutMs);
  }

  /** One application message, encrypted properly, whatever its bytes. */
  sendBytes(bytes: Uint8Array): void {
    this.channel.send(bytes);
  }

  sendText(text: string): void {
    this.sendBytes(Buffer.from(text, 'utf8'));
  }

  bye(): string | undefined {
    const bye = this.received.find((m) => m.type === 'bye');
    return bye?.type === 'bye' ? bye.reason : undefined;
  }

  destroy(): void {
    this.channel.destroy();
  }
}
