// Token buckets per key, for steady rates: messages per user, connections
// and handshakes per client address (see address-key.ts for what an address
// key is). A bucket holds up to `burst` tokens and gains `perSecond`
// tokens a second; each action takes one (or `cost`). A refused action
// takes nothing.
//
// Memory is bounded by `maxKeys`: past it the least recently used bucket is
// forgotten, which gives that key a full bucket again. That is lenient only
// towards keys that have been idle the longest, and a client cannot evict
// its own bucket while it is busy using it.

import { BoundedMap } from './bounded-map.ts';

export interface RateLimitOptions {
  /** Burst size: tokens a new or idle key starts with. */
  burst: number;
  /** Sustained rate, tokens per second. */
  perSecond: number;
  /** Most keys kept at once; default 100,000. */
  maxKeys?: number;
}

/** Starting points for the server; tune with measurements. */
export const RATE_LIMITS = {
  /** Chat messages sent by one user, all connections together. */
  messagesPerUser: { burst: 20, perSecond: 5 },
  /** TCP connections accepted from one address. */
  connectionsPerAddress: { burst: 20, perSecond: 1 },
  /** Noise handshakes (each costs the server X25519 operations) from one address. */
  handshakesPerAddress: { burst: 20, perSecond: 1 },
} as const satisfies Record<string, RateLimitOptions>;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export const DEFAULT_MAX_KEYS = 100_000;

export class RateLimiter {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #buckets: BoundedMap<string, Bucket>;

  constructor(options: RateLimitOptions) {
    const { burst, perSecond, maxKeys = DEFAULT_MAX_KEYS } = options;
    if (!(burst >= 1) || !(perSecond > 0) || !Number.isFinite(burst) || !Number.isFinite(perSecond)) {
      throw new RangeError('RateLimiter needs burst ≥ 1 and a positive, finite rate per second');
    }
    this.#capacity = burst;
    this.#refillPerMs = perSecond / 1000;
    this.#buckets = new BoundedMap(maxKeys);
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Takes `cost` tokens from `key`'s bucket if it has them and returns 0;
   * otherwise takes nothing and returns the milliseconds until it will have them.
   */
  take(key: string, now: number = Date.now(), cost = 1): number {
    if (!(cost > 0) || cost > this.#capacity) throw new RangeError(`cost must be in (0, ${this.#capacity}], not ${cost}`);
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, updatedAt: now };
    // A clock that steps back refills nothing (and takes nothing away).
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + elapsed * this.#refillPerMs);
    bucket.updatedAt = Math.max(bucket.updatedAt, now);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      this.#buckets.set(key, bucket);
      return 0;
    }
    this.#buckets.set(key, bucket);
    // The epsilon keeps float error (0.998 tokens after 499 ms) from adding a millisecond.
    return Math.max(1, Math.ceil((cost - bucket.tokens) / this.#refillPerMs - 1e-6));
  }

  tryTake(key: string, now: number = Date.now(), cost = 1): boolean {
    return this.take(key, now, cost) === 0;
  }

  /** Forgets a key: an administrator's reset. Not on disconnect, or reconnecting would refill the bucket. */
  forget(key: string): void {
    this.#buckets.delete(key);
  }
}
