// An encrypted, message-oriented channel over a TCP socket:
// Noise_NX handshake (client = initiator), then Noise transport messages.
// Each plaintext starts with one byte saying what it holds:
//   FINAL  the (last part of an) application message
//   MORE   part of an application message, more follows
//   BATCH  several whole application messages, each led by a 2-byte
//          big-endian length: what one turn of the event loop queued for
//          this peer, sealed with one AEAD call (docs/decisions.md).

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { ChannelError } from './errors.ts';
import { FrameDecoder, encodeFrame } from './framing.ts';
import { MAX_NOISE_MESSAGE, NOISE_PROLOGUE, NOISE_PROTOCOL_NAME, NOISE_TAG_BYTES } from './limits.ts';
import { type CipherState, HandshakeState, type KeyPair } from './noise/index.ts';

const FINAL = 0;
const MORE = 1;
const BATCH = 2;
const MAX_PLAINTEXT = MAX_NOISE_MESSAGE - NOISE_TAG_BYTES;
const MAX_CHUNK_DATA = MAX_PLAINTEXT - 1;
const BATCH_LENGTH_BYTES = 2;
/** A message longer than this cannot share a Noise message: it goes alone, in fragments. */
const MAX_BATCHED_MESSAGE = MAX_PLAINTEXT - 1 - BATCH_LENGTH_BYTES;
const EMPTY = new Uint8Array(0);
const HANDSHAKE_MAX_FRAME = 1024;
const PROLOGUE = new TextEncoder().encode(NOISE_PROLOGUE);

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

/** One plaintext holding `messages` (their lengths framed in `plaintextBytes`, flag included). */
function packBatch(messages: readonly Uint8Array[], plaintextBytes: number): Uint8Array {
  if (messages.length === 1) return fragment(messages[0]!)[0]!;
  const plaintext = Buffer.allocUnsafe(plaintextBytes);
  plaintext[0] = BATCH;
  let offset = 1;
  for (const message of messages) {
    plaintext.writeUInt16BE(message.length, offset);
    plaintext.set(message, offset + BATCH_LENGTH_BYTES);
    offset += BATCH_LENGTH_BYTES + message.length;
  }
  return plaintext;
}

/** The messages of a BATCH plaintext; throws when its lengths do not add up. */
function unpackBatch(plaintext: Buffer, maxMessageBytes: number): Buffer[] {
  const messages: Buffer[] = [];
  let offset = 1;
  while (offset < plaintext.length) {
    if (offset + BATCH_LENGTH_BYTES > plaintext.length) {
      throw new ChannelError('decrypt_failed', 'batch ends inside a length');
    }
    const length = plaintext.readUInt16BE(offset);
    offset += BATCH_LENGTH_BYTES;
    if (offset + length > plaintext.length) {
      throw new ChannelError('decrypt_failed', 'batch entry runs past the end');
    }
    if (length > maxMessageBytes) throw new ChannelError('message_too_large', `message exceeds ${maxMessageBytes} bytes`);
    messages.push(plaintext.subarray(offset, offset + length));
    offset += length;
  }
  if (messages.length === 0) throw new ChannelError('decrypt_failed', 'empty batch');
  return messages;
}

/**
 * Channels with messages queued in this turn of the event loop. One
 * setImmediate seals them all once the turn's I/O callbacks are done, so a
 * busy server sends a recipient the lines of one group commit (or the
 * presence of fifty sign-ins) as one transport message and one write.
 */
const channelsToFlush = new Set<SecureChannel>();
let flushScheduled = false;

function flushQueuedChannels(): void {
  flushScheduled = false;
  const channels = [...channelsToFlush];
  channelsToFlush.clear();
  for (const channel of channels) channel.flush();
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
  /** Whole application messages waiting for the end of this turn (see send). */
  private queued: Uint8Array[] = [];
  private queuedBytes = 0;

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
   * Queues one application message. What is queued in one turn of the event
   * loop is sealed at its end: packed into as few Noise messages as fit
   * (BATCH), encrypted once each and written in one call, so the cost of an
   * AEAD call and a system call is shared by every message of the turn. The
   * bytes must not change afterwards (one encoded room line is queued for
   * many recipients). Returns false when the queue is above the socket's mark.
   */
  send(message: Uint8Array): boolean {
    // Not writable: the peer hung up (or end() was called); nothing sent now could reach it.
    if (this.socket.destroyed || !this.socket.writable) return false;
    this.queued.push(message);
    this.queuedBytes += message.length;
    channelsToFlush.add(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushQueuedChannels);
    }
    return this.outboundBytes < this.socket.writableHighWaterMark;
  }

  /** Seals and writes what is queued now, rather than at the end of the turn. */
  flush(): void {
    const messages = this.queued;
    if (messages.length === 0) return;
    this.queued = [];
    this.queuedBytes = 0;
    channelsToFlush.delete(this);
    if (this.socket.destroyed || !this.socket.writable) return;
    const frames: Buffer[] = [];
    let batch: Uint8Array[] = [];
    let batchBytes = 1;
    const sealBatch = () => {
      if (batch.length === 0) return;
      frames.push(this.seal(packBatch(batch, batchBytes)));
      batch = [];
      batchBytes = 1;
    };
    for (const message of messages) {
      if (message.length > MAX_BATCHED_MESSAGE) {
        sealBatch();
        for (const plaintext of fragment(message)) frames.push(this.seal(plaintext));
        continue;
      }
      if (batchBytes + BATCH_LENGTH_BYTES + message.length > MAX_PLAINTEXT) sealBatch();
      batch.push(message);
      batchBytes += BATCH_LENGTH_BYTES + message.length;
    }
    sealBatch();
    if (frames.length === 1) {
      this.socket.write(frames[0]!);
      return;
    }
    this.socket.cork();
    for (const frame of frames) this.socket.write(frame);
    this.socket.uncork();
  }

  /** Encrypts without writing, after writing what is queued (tests craft frames with it). */
  encrypt(message: Uint8Array): Buffer[] {
    this.flush();
    return fragment(message).map((plaintext) => this.seal(plaintext));
  }

  /** One plaintext as the next Noise transport message, framed. */
  private seal(plaintext: Uint8Array): Buffer {
    return encodeFrame(this.sender.encryptWithAd(EMPTY, plaintext));
  }

  /** Bytes queued (in this channel or the socket) but not yet sent to the peer. */
  get outboundBytes(): number {
    return this.socket.writableLength + this.queuedBytes;
  }

  /** Ends the connection after what is queued has been written. */
  end(): void {
    this.flush();
    this.socket.end();
  }

  /** Hangs up at once; what this turn queued is handed to the socket first. */
  destroy(): void {
    this.flush();
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
      const decrypted = this.receiver.decryptWithAd(EMPTY, frame);
      const plaintext = Buffer.from(decrypted.buffer, decrypted.byteOffset, decrypted.length);
      const flag = plaintext[0];
      if (flag === BATCH && this.fragments.length === 0) {
        // Checked whole before any of it is delivered: a bad batch delivers nothing.
        for (const message of unpackBatch(plaintext, this.maxMessageBytes)) {
          if (this.failed) return;
          this.emit('message', message);
        }
        return;
      }
      if (flag !== FINAL && flag !== MORE) {
        throw new ChannelError('decrypt_failed', 'transport message without a valid flag');
      }
      this.fragmentBytes += plaintext.length - 1;
      if (this.fragmentBytes > this.maxMessageBytes) {
        throw new ChannelError('message_too_large', `message exceeds ${this.maxMessageBytes} bytes`);
      }
      this.fragments.push(plaintext.subarray(1));
      if (flag === FINAL) {
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
    this.end();
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
