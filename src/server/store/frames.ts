// Journal framing: [u32 length][u32 crc32 of payload][payload], big-endian.
//
// A crash can only tear the tail of the journal (we append, and nothing is
// acknowledged before the fsync that covers it). So a bad frame with nothing
// valid after it is a torn tail and may be dropped; a bad frame followed by
// a valid one is damage to acknowledged data and must never be dropped
// silently.

import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 8;

export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, crc32(payload));
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

export interface Frame {
  /** Byte offset of the frame's header in the file. */
  offset: number;
  payload: Uint8Array;
}

export interface FrameDamage {
  offset: number;
  reason: string;
  /** 'torn': nothing valid follows (a crash mid-append); 'corrupt': valid frames follow. */
  kind: 'torn' | 'corrupt';
}

export interface FrameScan {
  frames: Frame[];
  /** End of the last good frame: where the file should be cut on a torn tail. */
  goodEnd: number;
  damage?: FrameDamage;
}

type Attempt = { ok: true; frame: Frame; next: number } | { ok: false; reason: string };

function readFrame(buf: Uint8Array, offset: number): Attempt {
  const remaining = buf.length - offset;
  if (remaining < FRAME_HEADER_BYTES) {
    return { ok: false, reason: `short frame header (${remaining} of ${FRAME_HEADER_BYTES} bytes)` };
  }
  const view = new DataView(buf.buffer, buf.byteOffset + offset, FRAME_HEADER_BYTES);
  const length = view.getUint32(0);
  // Zero length is never written; it is what a zero-filled tail looks like.
  if (length === 0) return { ok: false, reason: 'zero-length frame' };
  if (length > remaining - FRAME_HEADER_BYTES) {
    return { ok: false, reason: `frame length ${length} runs past the end of the file` };
  }
  const start = offset + FRAME_HEADER_BYTES;
  const payload = buf.subarray(start, start + length);
  if (crc32(payload) !== view.getUint32(4)) return { ok: false, reason: 'checksum mismatch' };
  return { ok: true, frame: { offset, payload }, next: start + length };
}

/** Is there a frame that passes its checksum anywhere after `offset`? */
function validFrameAfter(buf: Uint8Array, offset: number): boolean {
  const jsonStart = 0x7b; // '{': every payload is a JSON object; cheap pre-filter
  for (let p = offset + 1; p + FRAME_HEADER_BYTES < buf.length; p++) {
    if (buf[p + FRAME_HEADER_BYTES] !== jsonStart) continue;
    if (readFrame(buf, p).ok) return true;
  }
  return false;
}

export function scanFrames(buf: Uint8Array): FrameScan {
  const frames: Frame[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const attempt = readFrame(buf, offset);
    if (!attempt.ok) {
      const kind = validFrameAfter(buf, offset) ? 'corrupt' : 'torn';
      return { frames, goodEnd: offset, damage: { offset, reason: attempt.reason, kind } };
    }
    frames.push(attempt.frame);
    offset = attempt.next;
  }
  return { frames, goodEnd: offset };
}

/** The frame at the start of `buf`, when it is intact. */
export function firstFrame(buf: Uint8Array): Frame | undefined {
  const attempt = readFrame(buf, 0);
  return attempt.ok ? attempt.frame : undefined;
}
