// Latency histogram with 1 % wide buckets (log scale) from 1 µs to ~100 s:
// a few thousand counters whatever the number of samples, mergeable across
// worker processes. A percentile is read as its bucket's upper edge, so
// figures are at most 1 % high.

const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(1e8) / LOG_GROWTH) + 1;

export class Histogram {
  readonly counts: Uint32Array;
  count = 0;
  max = 0;
  sum = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Uint32Array(BUCKETS);
    if (counts) {
      for (let i = 0; i < BUCKETS; i++) this.counts[i] = counts[i] ?? 0;
      for (let i = 0; i < BUCKETS; i++) this.count += this.counts[i]!;
    }
  }

  /** Records one sample, in milliseconds. */
  record(ms: number): void {
    const us = Math.max(1, ms * 1000);
    const index = Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / LOG_GROWTH));
    this.counts[index]!++;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
  }

  /** The value (ms) below which `p` (0..1) of the samples fall. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(GROWTH ** i / 1000, this.max);
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  toJSON(): { buckets: Record<number, number>; max: number; sum: number } {
    const buckets: Record<number, number> = {};
    this.counts.forEach((count, i) => {
      if (count > 0) buckets[i] = count;
    });
    return { buckets, max: this.max, sum: this.sum };
  }

  static fromJSON(json: { buckets: Record<number, number>; max: number; sum: number }): Histogram {
    const histogram = new Histogram();
    for (const [index, count] of Object.entries(json.buckets)) {
      histogram.counts[Number(index)] = count;
      histogram.count += count;
    }
    histogram.max = json.max;
    histogram.sum = json.sum;
    return histogram;
  }
}

/** A wall clock with sub-millisecond resolution that agrees across processes on one machine. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
