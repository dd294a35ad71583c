// Micro-benchmark of the sending half of src/net/channel.ts without the
// kernel: the CPU to queue B room lines (~180 bytes each, as the benchmark's)
// for one recipient and seal them at the end of the turn (batching,
// ChaCha20-Poly1305, framing), into a socket that only counts bytes. Process
// CPU time, median of 5 rounds.
// Usage: node --import tsx bench/micro/channel-flush.ts [ROUNDS_OF_N]

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { SecureChannel } from '../../src/net/channel.ts';
import { FrameDecoder } from '../../src/net/framing.ts';
import { CipherState, ChaChaPoly } from '../../src/net/noise/index.ts';

const n = Number(process.argv[2] ?? 20_000);

class CountingSocket extends EventEmitter {
  destroyed = false;
  writable = true;
  writableLength = 0;
  writableHighWaterMark = 16 * 1024;
  bytes = 0;
  write(chunk: Uint8Array): boolean {
    this.bytes += chunk.length;
    return true;
  }
  cork(): void {}
  uncork(): void {}
}

const key = new Uint8Array(32).fill(7);
const line = Buffer.from(JSON.stringify({ type: 'message', message: { id: 123456, room: 'room-42', from: 'user-0042', body: `t=${Date.now()} ${'x'.repeat(80)}`, ts: Date.now() } }));

function perMessageMicros(batch: number): number {
  const socket = new CountingSocket();
  const channel = new SecureChannel(socket as unknown as Socket, new CipherState(ChaChaPoly, key), new CipherState(ChaChaPoly, key), 1 << 20, new Uint8Array(32), new FrameDecoder(), []);
  const rounds: number[] = [];
  for (let round = 0; round < 6; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i += batch) {
      for (let j = 0; j < batch; j++) channel.send(line);
      channel.flush();
    }
    const used = process.cpuUsage(start);
    if (round > 0) rounds.push((used.user + used.system) / n); // the first round warms up
  }
  rounds.sort((a, b) => a - b);
  return rounds[2]!;
}

console.log(`${line.length}-byte lines, ${n} per round, Node ${process.version}`);
console.log('| lines per recipient per turn | CPU µs per line |');
console.log('|---:|---:|');
for (const batch of [1, 2, 5, 10, 50, 200]) console.log(`| ${batch} | ${perMessageMicros(batch).toFixed(2)} |`);
