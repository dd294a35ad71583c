import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChannelError } from '../../src/net/errors.ts';
import { FrameDecoder, encodeFrame } from '../../src/net/framing.ts';

const payloads = [Buffer.from(''), Buffer.from('a'), Buffer.from('hello world'), Buffer.alloc(1000, 7), Buffer.alloc(65535, 1)];
const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));

test('a frame is a 2-byte big-endian length and the bytes', () => {
  assert.equal(encodeFrame(Buffer.from('hi')).toString('hex'), '00026869');
  assert.equal(encodeFrame(Buffer.alloc(0)).toString('hex'), '0000');
  assert.equal(encodeFrame(Buffer.alloc(258)).subarray(0, 2).toString('hex'), '0102');
});

test('frames split one byte per read are reassembled in order', () => {
  const decoder = new FrameDecoder();
  const frames: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) frames.push(...decoder.push(stream.subarray(i, i + 1)));
  assert.deepEqual(frames, payloads);
  assert.equal(decoder.buffered, 0);
});

test('many frames in one read, and reads cut at every boundary size', () => {
  assert.deepEqual(new FrameDecoder().push(stream), payloads);
  for (const size of [2, 3, 7, 1024, 65536]) {
    const decoder = new FrameDecoder();
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) frames.push(...decoder.push(stream.subarray(i, i + size)));
    assert.deepEqual(frames, payloads, `chunk size ${size}`);
  }
});

test('a length over the limit is refused before the body arrives', () => {
  const decoder = new FrameDecoder(100);
  assert.throws(
    () => decoder.push(Buffer.from([0x00, 0x65])),
    (error: unknown) => error instanceof ChannelError && error.code === 'frame_too_large',
  );
});

test('a payload over 65535 bytes cannot be framed', () => {
  assert.throws(() => encodeFrame(Buffer.alloc(65536)), (error: unknown) => error instanceof ChannelError && error.code === 'frame_too_large');
});
