// An encrypted, message-oriented channel over a TCP socket:
// Noise_NX handshake (client = initiator), then one Noise transport message
// per frame. Application messages larger than one Noise message are carried
// in several: each plaintext starts with one byte, MORE or FINAL.

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { ChannelError } from './errors.ts';
import { FrameDecoder, encodeFrame } from './framing.ts';
import { MAX_NOISE_MESSAGE, NOISE_PROLOGUE, NOISE_PROTOCOL_NAME, NOISE_TAG_BYTES } from './limits.ts';
import { type CipherState, HandshakeState, type KeyPair } from './noise/index.ts';

const FINAL = 0;
const MORE = 1;
const MAX_CHUNK_DATA = MAX_NOISE_MESSAGE - NOISE_TAG_BYTES - 1;
const EMPTY = new Uint8Array(0);
const HANDSHAKE_MAX_FRAME = 1024;
const PROLOGUE = new TextEncoder().encode(NOISE_PROLOGUE);

/** An application message as Noise plaintexts (fragment flag included), made once and encrypted per recipient. */
export class Outbound {
  readonly plaintexts: readonly Uint8Array[];

  constructor(message: Uint8Array) {
    this.plaintexts = fragment(message);
  }
}

/** Splits a message into plaintexts of one Noise message each, each led by its MORE/FINAL byte. */
function fragment(message: Uint8Array): Uint8Array[] {
  const plaintexts: Uint8Array[] = [];
  let offset = 0;
  do {
    const end = Math.min(offset + MAX_CHUNK_DATA, message.length);
    const plaintext = new Uint8Array(1 + end - offset);
    plaintext[0] = end < message.length ? MORE : FINAL;
    plaintext.set(message.subarray(offset, end), 1);
    plaintexts.push(plaintext);
    offset = end;
  } while (offset < message.length);
  return plaintexts;
}

export interface ChannelEvents {
  message: [plaintext: Buffer];
  /** The channel is unusable; emitted once, before the socket is ended. */
  failure: [error: ChannelError];
  close: [];
}

export class SecureChannel extends EventEmitter<ChannelEvents> {
  private fragments: Buffer[] = [];
  private leftover: Buffer[];
  private fragmentBytes = 0;
  private failed = false;
  /** The socket is corked until the end of this turn of the event loop (see send). */
  private corked = false;
  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  };

  constructor(
    readonly socket: Socket,
    private readonly sender: CipherState,
    private readonly receiver: CipherState,
    private readonly maxMessageBytes: number,
    /** The handshake hash: identifies this session (Noise §11.2, channel binding). */
    readonly handshakeHash: Uint8Array,
    private readonly decoder: FrameDecoder,
    leftover: Buffer[],
  ) {
    super();
    // Frames that arrived in the same read as the end of the handshake; delivered
    // once the owner has had its chance to listen, and always before newer ones.
    this.leftover = leftover;
    decoder.maxFrameBytes = MAX_NOISE_MESSAGE;
    if (leftover.length > 0) setImmediate(() => this.deliverLeftover());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.once('close', () => this.emit('close'));
  }

  private deliverLeftover(): void {
    const frames = this.leftover;
    this.leftover = [];
    for (const frame of frames) this.onFrame(frame);
  }

  /**
   * Encrypts and writes one application message (raw bytes, or an Outbound
   * prepared once for many recipients). Writes made in one turn of the event
   * loop leave in one write system call: the socket is corked at the first
   * and uncorked when the turn's I/O callbacks are done (setImmediate), so a
   * busy server coalesces, say, the presence lines of fifty sign-ins read in
   * one turn into one write per recipient. Returns false when the socket's
   * buffer is above its mark.
   */
  send(message: Uint8Array | Outbound): boolean {
    // Not writable: the peer hung up (or end() was called); nothing sent now could reach it.
    if (this.socket.destroyed || !this.socket.writable) return false;
    const plaintexts = message instanceof Outbound ? message.plaintexts : fragment(message);
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(this.uncork);
    }
    let flushed = true;
    for (const plaintext of plaintexts) flushed = this.socket.write(encodeFrame(this.sender.encryptWithAd(EMPTY, plaintext)));
    return flushed;
  }

  /** Encrypts without writing (the caller batches writes). */
  encrypt(message: Uint8Array): Buffer[] {
    return fragment(message).map((plaintext) => encodeFrame(this.sender.encryptWithAd(EMPTY, plaintext)));
  }

  /** Bytes queued in the socket but not yet sent to the peer. */
  get outboundBytes(): number {
    return this.socket.writableLength;
  }

  /** Ends the connection after what is queued has been written. */
  end(): void {
    this.socket.end();
  }

  /** Hangs up at once; what this turn already wrote is handed to the socket first. */
  destroy(): void {
    if (this.corked) this.uncork();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.failed) return;
    if (this.leftover.length > 0) this.deliverLeftover();
    try {
      for (const frame of this.decoder.push(chunk)) this.onFrame(frame);
    } catch (error) {
      this.fail(error);
    }
  }

  private onFrame(frame: Buffer): void {
    if (this.failed) return;
    try {
      const plaintext = this.receiver.decryptWithAd(EMPTY, frame);
      if (plaintext.length === 0 || plaintext[0]! > MORE) {
        throw new ChannelError('decrypt_failed', 'transport message without a valid fragment flag');
      }
      this.fragmentBytes += plaintext.length - 1;
      if (this.fragmentBytes > this.maxMessageBytes) {
        throw new ChannelError('message_too_large', `message exceeds ${this.maxMessageBytes} bytes`);
      }
      this.fragments.push(Buffer.from(plaintext.buffer, plaintext.byteOffset + 1, plaintext.length - 1));
      if (plaintext[0] === FINAL) {
        const message = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
        this.fragments = [];
        this.fragmentBytes = 0;
        this.emit('message', message);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    // Only the receiving side failed: the listeners may still send, so that
    // the peer is told why (a bye), before the socket is ended below.
    const channelError =
      error instanceof ChannelError ? error : new ChannelError('decrypt_failed', (error as Error).message);
    this.emit('failure', channelError);
    this.socket.end();
    // A peer that never reads must not hold the socket open forever; one that
    // hangs up first must not leave the timer (and this channel) behind.
    const cutOff = setTimeout(() => this.socket.destroy(), 1000).unref();
    this.socket.once('close', () => clearTimeout(cutOff));
  }
}

/** Reads whole frames from a socket during the handshake, with a deadline. */
class HandshakeReader {
  // Handshake messages of NX are small; a bigger frame is hostile.
  private readonly decoder = new FrameDecoder(HANDSHAKE_MAX_FRAME);
  private readonly frames: Buffer[] = [];
  private waiting: { resolve: (frame: Buffer) => void; reject: (error: Error) => void } | undefined;
  private error: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    try {
      this.frames.push(...this.decoder.push(chunk));
    } catch (error) {
      this.abort(error as Error);
      return;
    }
    this.deliver();
  };
  private readonly onClose = () => this.abort(new ChannelError('closed', 'connection closed during the handshake'));
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly socket: Socket,
    timeoutMs: number,
  ) {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onClose);
    this.timer = setTimeout(() => {
      this.abort(new ChannelError('timeout', 'handshake timed out'));
      socket.destroy();
    }, timeoutMs);
  }

  next(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.deliver();
    });
  }

  /** Stops reading; hands over the decoder (it may hold part of a frame) and frames already decoded. */
  detach(): { decoder: FrameDecoder; leftover: Buffer[] } {
    clearTimeout(this.timer);
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    this.socket.off('error', this.onClose);
    return { decoder: this.decoder, leftover: this.frames.splice(0) };
  }

  private deliver(): void {
    if (!this.waiting) return;
    if (this.error) {
      this.waiting.reject(this.error);
      this.waiting = undefined;
    } else if (this.frames.length > 0) {
      this.waiting.resolve(this.frames.shift()!);
      this.waiting = undefined;
    }
  }

  private abort(error: Error): void {
    this.error ??= error;
    clearTimeout(this.timer);
    this.deliver();
  }
}

export interface ClientHandshakeResult {
  channel: SecureChannel;
  serverStaticKey: Uint8Array;
}

/**
 * Initiator side of Noise_NX. `verifyServerKey` runs after the server has
 * proven possession of its static key and before anything else is sent, so
 * a pin mismatch can stop the connection before any password leaves.
 */
export async function clientHandshake(
  socket: Socket,
  options: { timeoutMs: number; maxMessageBytes: number; verifyServerKey: (key: Uint8Array) => void },
): Promise<ClientHandshakeResult> {
  const reader = new HandshakeReader(socket, options.timeoutMs);
  try {
    const handshake = new HandshakeState({ protocolName: NOISE_PROTOCOL_NAME, initiator: true, prologue: PROLOGUE });
    socket.write(encodeFrame(handshake.writeMessage(EMPTY))); // -> e
    handshake.readMessage(await reader.next()); // <- e, ee, s, es
    const serverStaticKey = handshake.getRemoteStaticPublicKey();
    if (!serverStaticKey || !handshake.isComplete()) throw new ChannelError('handshake_failed', 'incomplete handshake');
    options.verifyServerKey(serverStaticKey);
    const [send, receive] = handshake.split();
    const { decoder, leftover } = reader.detach();
    const hash = handshake.getHandshakeHash();
    const channel = new SecureChannel(socket, send, receive, options.maxMessageBytes, hash, decoder, leftover);
    return { channel, serverStaticKey };
  } catch (error) {
    reader.detach();
    socket.destroy();
    throw error;
  }
}

/** Responder side of Noise_NX, with the server's static key. */
export async function serverHandshake(
  socket: Socket,
  options: { staticKey: KeyPair; timeoutMs: number; maxMessageBytes: number },
): Promise<SecureChannel> {
  const reader = new HandshakeReader(socket, options.timeoutMs);
  try {
    const handshake = new HandshakeState({
      protocolName: NOISE_PROTOCOL_NAME,
      initiator: false,
      prologue: PROLOGUE,
      s: options.staticKey,
    });
    const first = await reader.next();
    handshake.readMessage(first); // -> e
    socket.write(encodeFrame(handshake.writeMessage(EMPTY))); // <- e, ee, s, es
    if (!handshake.isComplete()) throw new ChannelError('handshake_failed', 'incomplete handshake');
    const [receive, send] = handshake.split();
    const { decoder, leftover } = reader.detach();
    const hash = handshake.getHandshakeHash();
    return new SecureChannel(socket, send, receive, options.maxMessageBytes, hash, decoder, leftover);
  } catch (error) {
    reader.detach();
    socket.destroy();
    throw error;
  }
}
