// Properties of the frame decoder (src/net/framing.ts): any chunking of any
// frame sequence gives the same frames back, garbage never raises anything
// but ChannelError('frame_too_large'), and an oversized length is refused on
// the read that completes its header, before a byte of its body is kept.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChannelError } from '../../src/net/errors.ts';
import { FrameDecoder, encodeFrame } from '../../src/net/framing.ts';
import { MAX_NOISE_MESSAGE } from '../../src/net/limits.ts';
import { checkProperty } from './fuzz-run.ts';

/** Mostly small payloads, sometimes one at or near the 65,535-byte limit. */
const payload = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc
      .record({ size: fc.integer({ min: MAX_NOISE_MESSAGE - 3, max: MAX_NOISE_MESSAGE }), fill: fc.nat(255) })
      .map(({ size, fill }) => new Uint8Array(size).fill(fill)),
  },
);

/** Cut points into a stream of `length` bytes; repeated points give empty chunks, as a socket may. */
function chunksOf(stream: Buffer, cuts: number[]): Buffer[] {
  const points = cuts.map((cut) => cut % (stream.length + 1)).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let previous = 0;
  for (const point of [...points, stream.length]) {
    chunks.push(stream.subarray(previous, point));
    previous = point;
  }
  return chunks;
}

function isFrameTooLarge(error: unknown): boolean {
  return error instanceof ChannelError && error.code === 'frame_too_large';
}

test('any chunking of any frame sequence decodes to the same frames', async () => {
  await checkProperty(
    'framing: any chunking decodes to the same frames',
    fc.property(fc.array(payload, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (payloads, cuts) => {
      const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
      const decoder = new FrameDecoder();
      const frames: Buffer[] = [];
      for (const chunk of chunksOf(stream, cuts)) frames.push(...decoder.push(chunk));
      assert.equal(frames.length, payloads.length);
      frames.forEach((frame, i) => assert.ok(frame.equals(payloads[i]!), `frame ${i} differs`));
      assert.equal(decoder.buffered, 0);
    }),
    { runs: 300, seed: 0x5eed01 },
  );
});

test('garbage in any chunking raises nothing but frame_too_large, and every byte is accounted for', async () => {
  await checkProperty(
    'framing: garbage raises only frame_too_large',
    fc.property(
      fc.integer({ min: 0, max: MAX_NOISE_MESSAGE }),
      fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 20 }),
      (limit, chunks) => {
        const decoder = new FrameDecoder(limit);
        let pushed = 0;
        let decoded = 0;
        for (const chunk of chunks) {
          let frames: Buffer[];
          try {
            frames = decoder.push(Buffer.from(chunk));
          } catch (error) {
            assert.ok(isFrameTooLarge(error), `unexpected ${String(error)}`);
            return;
          }
          pushed += chunk.length;
          for (const frame of frames) {
            assert.ok(frame.length <= limit);
            decoded += 2 + frame.length;
          }
          assert.equal(decoded + decoder.buffered, pushed);
        }
      },
    ),
    { runs: 400, seed: 0x5eed02 },
  );
});

test('an oversized length is refused on the read that completes its header, before its body', async () => {
  await checkProperty(
    'framing: oversized length refused before buffering',
    fc.property(
      fc.integer({ min: 0, max: MAX_NOISE_MESSAGE - 1 }).chain((limit) =>
        fc.record({
          limit: fc.constant(limit),
          length: fc.integer({ min: limit + 1, max: MAX_NOISE_MESSAGE }),
          before: fc.array(fc.uint8Array({ maxLength: Math.min(limit, 200) }), { maxLength: 4 }),
          body: fc.uint8Array({ maxLength: 64 }),
          cuts: fc.array(fc.nat(), { maxLength: 10 }),
        }),
      ),
      ({ limit, length, before, body, cuts }) => {
        const prefix = Buffer.concat(before.map((p) => encodeFrame(p)));
        const header = Buffer.from([length >> 8, length & 0xff]);
        const stream = Buffer.concat([prefix, header, body]);
        const headerEnd = prefix.length + 2;
        const decoder = new FrameDecoder(limit);
        let offset = 0;
        for (const chunk of chunksOf(stream, cuts)) {
          const end = offset + chunk.length;
          if (end < headerEnd) {
            decoder.push(chunk);
            offset = end;
            continue;
          }
          // This chunk completes the oversized header: it must be refused here.
          assert.throws(() => decoder.push(chunk), isFrameTooLarge);
          return;
        }
        assert.fail('the oversized header was never refused');
      },
    ),
    { runs: 300, seed: 0x5eed03 },
  );
});

// Regression (found by the first property): an empty chunk kept in front of
// the queue made the header be read from the wrong bytes.
test('regression: empty chunks before and inside a header', () => {
  const decoder = new FrameDecoder(300);
  assert.deepEqual(decoder.push(Buffer.alloc(0)), []);
  assert.deepEqual(decoder.push(Buffer.from([0x01])), []);
  assert.deepEqual(decoder.push(Buffer.alloc(0)), []);
  assert.deepEqual(decoder.push(Buffer.from([0x02])), []);
  assert.equal(decoder.buffered, 2);
  const frames = decoder.push(Buffer.alloc(258, 7));
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.length, 258);
  const empty = new FrameDecoder(0);
  empty.push(Buffer.alloc(0));
  assert.throws(() => empty.push(Buffer.from([0x00, 0x01])), isFrameTooLarge);
});
