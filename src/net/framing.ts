// Length-prefixed framing (Noise spec §13 convention): a 2-byte big-endian
// length, then that many bytes. The decoder is a small state machine that
// accepts any chunking of the stream, from one byte per read to many frames
// per read, and checks the limit before it buffers the body.

import { ChannelError } from './errors.ts';
import { MAX_NOISE_MESSAGE } from './limits.ts';

const HEADER_BYTES = 2;

export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length > MAX_NOISE_MESSAGE) {
    throw new ChannelError('frame_too_large', `frame of ${payload.length} bytes exceeds ${MAX_NOISE_MESSAGE}`);
  }
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt16BE(payload.length, 0);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Raised after the handshake, whose messages are small. */
  constructor(public maxFrameBytes: number = MAX_NOISE_MESSAGE) {}

  /** Returns every frame completed by this chunk; throws ChannelError('frame_too_large'). */
  push(chunk: Buffer): Buffer[] {
    // An empty chunk is never kept: peekLength reads the header from the first two chunks.
    if (chunk.length === 0) return [];
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Buffer[] = [];
    while (this.pendingBytes >= HEADER_BYTES) {
      const length = this.peekLength();
      if (length > this.maxFrameBytes) {
        throw new ChannelError('frame_too_large', `frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
      }
      if (this.pendingBytes < HEADER_BYTES + length) break;
      const bytes = this.take(HEADER_BYTES + length);
      frames.push(bytes.subarray(HEADER_BYTES));
    }
    return frames;
  }

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private peekLength(): number {
    const first = this.pending[0]!;
    if (first.length >= HEADER_BYTES) return first.readUInt16BE(0);
    // The header itself is split across chunks.
    return (first[0]! << 8) | this.pending[1]![0]!;
  }

  private take(count: number): Buffer {
    const joined = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const taken = joined.subarray(0, count);
    const rest = joined.subarray(count);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return taken;
  }
}
