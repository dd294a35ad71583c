// A lean securechat client for load generation: the real protocol (TCP, the
// Noise NX handshake of src/net/channel.ts with the server key checked against
// the expected fingerprint, encrypted requests and replies), without the
// per-client costs of ChatClient that a person's client wants and ten
// thousand simulated ones do not (a pin file per client, reconnection,
// catch-up). Every received message is decrypted and parsed, as a real
// client must.

import { connect as tcpConnect, type Socket } from 'node:net';
import { clientHandshake, type SecureChannel } from '../../src/net/channel.ts';
import { fingerprintOf } from '../../src/net/fingerprint.ts';
import { MAX_SERVER_MESSAGE_BYTES } from '../../src/net/limits.ts';
import type { RequestType, ResultMap, ServerMessage } from '../../src/net/schema.ts';

export class RequestFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

const CONNECT_TIMEOUT_MS = 10_000;

type Pending = { resolve: (result: never) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

export class LoadClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  closed = false;
  /** Called for every server message that is not a reply. */
  onPush: (message: ServerMessage) => void = () => {};
  onClose: () => void = () => {};

  private constructor(readonly channel: SecureChannel) {
    channel.on('message', (bytes) => this.receive(bytes));
    channel.on('failure', () => {});
    channel.socket.on('error', () => {});
    channel.on('close', () => {
      this.closed = true;
      for (const [id, pending] of this.pending) {
        clearTimeout(pending.timer);
        this.pending.delete(id);
        pending.reject(new RequestFailed('closed', 'connection closed'));
      }
      this.onClose();
    });
  }

  static async open(options: { port: number; localAddress: string; fingerprint: string; timeoutMs?: number }): Promise<LoadClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const socket = tcpConnect({ host: '127.0.0.1', port: options.port, localAddress: options.localAddress, noDelay: true });
      // A server whose accept queue is full drops SYNs; the kernel's own retries would wait two minutes.
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RequestFailed('connect_timeout', `no TCP connection within ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const { channel } = await clientHandshake(socket, {
      timeoutMs: options.timeoutMs ?? 30_000,
      maxMessageBytes: MAX_SERVER_MESSAGE_BYTES,
      verifyServerKey: (key) => {
        const actual = fingerprintOf(key);
        if (actual !== options.fingerprint) throw new Error(`server key ${actual} is not the expected ${options.fingerprint}`);
      },
    });
    return new LoadClient(channel);
  }

  request<T extends RequestType>(type: T, body: Record<string, unknown>, timeoutMs = 60_000): Promise<ResultMap[T]> {
    if (this.closed) return Promise.reject(new RequestFailed('closed', 'connection closed'));
    const id = this.nextId++;
    return new Promise<ResultMap[T]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestFailed('timeout', `no answer to ${type} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (result: never) => void, reject, timer });
      this.channel.send(Buffer.from(JSON.stringify({ ...body, type, id })));
    });
  }

  close(): void {
    this.closed = true;
    this.channel.destroy();
  }

  private receive(bytes: Buffer): void {
    const message = JSON.parse(bytes.toString('utf8')) as ServerMessage;
    if (message.type === 'result' || (message.type === 'error' && message.id !== undefined)) {
      const pending = this.pending.get(message.id!);
      if (!pending) return;
      this.pending.delete(message.id!);
      clearTimeout(pending.timer);
      if (message.type === 'result') pending.resolve(message.result as never);
      else pending.reject(new RequestFailed(message.code, message.message));
      return;
    }
    this.onPush(message);
  }
}
