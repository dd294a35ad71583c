// Throttling of failed logins (DESIGN.md: "Repeated failures are throttled
// per username and per address").
//
// Three failure counters, of one shape (FailureBucket): the first 5 failures
// are free; after the k-th failure (k ≥ 5) the next attempt waits
// 1 s · 2^(k−5) from the latest failure, up to a cap. Counters decay: one
// failure is forgiven every 10 minutes, continuously, so in the long run a
// counter at its cap lets through about one failure per 10 minutes.
//
//   pair     (account, address)  cap 15 min   always applies; a success resets it
//   address  all accounts tried   cap 15 min   a success does not reset it (an
//            from one address                  attacker's own account must not clear it)
//   account  all addresses        cap 30 s     plus never more than 100 failures in
//                                              any 60 minutes
//
// Known-good addresses: the last 8 addresses from which an account logged in
// successfully. From those, that account's attempts answer only to the pair
// counter. So an attacker who saturates the account counter from many
// addresses slows the real user only where the real user has never logged in
// before; from their usual places they keep the pair counter's 5 free tries.
//
// Concurrency: a hash takes a few hundred ms, so the server checks, hashes,
// then records. check() therefore *reserves* the attempt: until the outcome
// is recorded it counts as a failure, so a thousand parallel attempts cannot
// all pass one check. An attempt whose outcome is never recorded becomes a
// failure after 60 s. Call check() once per attempt, then exactly one of
// recordFailure() or recordSuccess().
//
// Memory: every map is a BoundedMap (least recently used forgotten first),
// at most `maxEntries` each. An attacker would have to touch that many other
// keys between two of their own attempts to make one counter forget.
//
// Keys: `accountKey` is the username key (validateUsername), for unknown
// usernames too, so that the answer does not reveal which names exist;
// `address` is clientAddressKey(remoteAddress).

import { BoundedMap } from './bounded-map.ts';

export interface FailurePolicy {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** One failure is forgiven per this many ms. */
  forgiveMs: number;
}

const MINUTE = 60_000;

export const PAIR_POLICY: Readonly<FailurePolicy> = Object.freeze({
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 15 * MINUTE,
  forgiveMs: 10 * MINUTE,
});
export const ADDRESS_POLICY: Readonly<FailurePolicy> = PAIR_POLICY;
export const ACCOUNT_POLICY: Readonly<FailurePolicy> = Object.freeze({ ...PAIR_POLICY, maxDelayMs: 30_000 });
/** Failures of one account (known-good addresses aside) in any 60 minutes. */
export const ACCOUNT_FAILURES_PER_HOUR = 100;
/** A reserved attempt with no recorded outcome counts as a failure after this. */
export const PENDING_TTL_MS = 60_000;
export const KNOWN_GOOD_ADDRESSES_PER_ACCOUNT = 8;
export const DEFAULT_MAX_ENTRIES = 100_000;

/** Past this a counter stops growing: its delay is long at its cap by then. */
const SCORE_CEILING = 64;

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface LoginThrottleOptions {
  /** Most entries in each of the maps (pairs, addresses, accounts, known-good lists). */
  maxEntries?: number;
}

class FailureBucket {
  /** Failures, decayed: fractional between forgiveness steps. */
  #score = 0;
  #updatedAt: number;
  #lastFailureAt = -Infinity;
  /** Start times of reserved attempts with no outcome yet, oldest first. */
  readonly pending: number[] = [];

  constructor(
    readonly policy: Readonly<FailurePolicy>,
    now: number,
  ) {
    this.#updatedAt = now;
  }

  waitMs(now: number): number {
    this.#settle(now);
    const { freeFailures, baseDelayMs, maxDelayMs } = this.policy;
    // ceil: a failure counts in full until it has been wholly forgiven.
    const failures = Math.ceil(this.#score - 1e-9) + this.pending.length;
    if (failures < freeFailures) return 0;
    const delay = Math.min(baseDelayMs * 2 ** (failures - freeFailures), maxDelayMs);
    const last = Math.max(this.#lastFailureAt, this.pending.at(-1) ?? -Infinity);
    return Math.max(0, last + delay - now);
  }

  reserve(now: number): void {
    this.#settle(now);
    this.pending.push(now);
  }

  /** Records a failure, confirming the oldest reservation if there is one. Returns whether there was. */
  fail(now: number): boolean {
    this.#settle(now);
    const reserved = this.pending.shift() !== undefined;
    this.#addFailure(now);
    return reserved;
  }

  /** Withdraws the oldest reservation (its attempt succeeded); returns its start time. */
  release(now: number): number | undefined {
    this.#settle(now);
    return this.pending.shift();
  }

  isIdle(now: number): boolean {
    this.#settle(now);
    return this.#score === 0 && this.pending.length === 0;
  }

  #settle(now: number): void {
    if (now > this.#updatedAt) {
      this.#score = Math.max(0, this.#score - (now - this.#updatedAt) / this.policy.forgiveMs);
      this.#updatedAt = now;
    }
    while (this.pending.length > 0 && this.pending[0]! <= now - PENDING_TTL_MS) {
      this.#addFailure(this.pending.shift()!);
    }
  }

  #addFailure(at: number): void {
    this.#score = Math.min(this.#score + 1, SCORE_CEILING);
    this.#lastFailureAt = Math.max(this.#lastFailureAt, at);
  }
}

/**
 * Failures per minute over the last 61 minute slots: the sum covers at
 * least the last 60 minutes, so the hourly ceiling is never exceeded
 * (it may refuse up to a minute early).
 */
class HourWindow {
  static readonly SLOTS = 61;
  readonly #slots = new Uint16Array(HourWindow.SLOTS);
  #minute: number;

  constructor(now: number) {
    this.#minute = Math.floor(now / MINUTE);
  }

  count(now: number): number {
    this.#advance(now);
    return this.#slots.reduce((sum, slot) => sum + slot, 0);
  }

  add(now: number): void {
    this.#advance(now);
    const index = slotIndex(Math.floor(now / MINUTE));
    if (this.#slots[index]! < 0xffff) this.#slots[index]!++;
  }

  remove(at: number): void {
    const minute = Math.floor(at / MINUTE);
    if (minute > this.#minute || this.#minute - minute >= HourWindow.SLOTS) return;
    const index = slotIndex(minute);
    if (this.#slots[index]! > 0) this.#slots[index]!--;
  }

  /** Time until the oldest counted failure leaves the window. */
  retryAfterMs(now: number): number {
    this.#advance(now);
    for (let minute = this.#minute - HourWindow.SLOTS + 1; minute <= this.#minute; minute++) {
      if (this.#slots[slotIndex(minute)]! > 0) return Math.max(1, (minute + HourWindow.SLOTS) * MINUTE - now);
    }
    return 1;
  }

  #advance(now: number): void {
    const minute = Math.floor(now / MINUTE);
    if (minute <= this.#minute) return; // a clock that steps back clears nothing
    const steps = Math.min(HourWindow.SLOTS, minute - this.#minute);
    for (let step = 1; step <= steps; step++) this.#slots[slotIndex(this.#minute + step)] = 0;
    this.#minute = minute;
  }
}

function slotIndex(minute: number): number {
  return ((minute % HourWindow.SLOTS) + HourWindow.SLOTS) % HourWindow.SLOTS;
}

interface AccountEntry {
  bucket: FailureBucket;
  window: HourWindow;
}

export class LoginThrottle {
  readonly #pairs: BoundedMap<string, FailureBucket>;
  readonly #addresses: BoundedMap<string, FailureBucket>;
  readonly #accounts: BoundedMap<string, AccountEntry>;
  /** Kept apart from the failure maps, so that a flood of failures cannot evict them. */
  readonly #knownGood: BoundedMap<string, string[]>;

  constructor(options: LoginThrottleOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#pairs = new BoundedMap(maxEntries);
    this.#addresses = new BoundedMap(maxEntries);
    this.#accounts = new BoundedMap(maxEntries);
    this.#knownGood = new BoundedMap(maxEntries);
  }

  /** Whether an attempt may go ahead now; if so, it is reserved (see the top of this file). */
  check(accountKey: string, address: string, now: number = Date.now()): ThrottleDecision {
    const pairKey = keyOfPair(accountKey, address);
    const trusted = this.isKnownGood(accountKey, address);
    const pair = this.#pairs.get(pairKey);
    let wait = pair?.waitMs(now) ?? 0;
    let addressBucket: FailureBucket | undefined;
    let account: AccountEntry | undefined;
    if (!trusted) {
      addressBucket = this.#addresses.get(address);
      account = this.#accounts.get(accountKey);
      wait = Math.max(wait, addressBucket?.waitMs(now) ?? 0, account?.bucket.waitMs(now) ?? 0);
      if (account && account.window.count(now) >= ACCOUNT_FAILURES_PER_HOUR) {
        wait = Math.max(wait, account.window.retryAfterMs(now));
      }
    }
    if (wait > 0) return { allowed: false, retryAfterMs: Math.ceil(wait) };

    this.#pairOf(pairKey, pair, now).reserve(now);
    if (!trusted) {
      this.#addressOf(address, addressBucket, now).reserve(now);
      const entry = this.#accountOf(accountKey, account, now);
      entry.bucket.reserve(now);
      entry.window.add(now);
    }
    return { allowed: true };
  }

  recordFailure(accountKey: string, address: string, now: number = Date.now()): void {
    const pairKey = keyOfPair(accountKey, address);
    this.#pairOf(pairKey, this.#pairs.get(pairKey), now).fail(now);
    if (this.isKnownGood(accountKey, address)) return;
    this.#addressOf(address, this.#addresses.get(address), now).fail(now);
    const entry = this.#accountOf(accountKey, this.#accounts.get(accountKey), now);
    // A reserved attempt is already in the hour window.
    if (!entry.bucket.fail(now)) entry.window.add(now);
  }

  recordSuccess(accountKey: string, address: string, now: number = Date.now()): void {
    this.#pairs.delete(keyOfPair(accountKey, address));
    if (!this.isKnownGood(accountKey, address)) {
      // This attempt was reserved in the shared counters: withdraw it.
      const addressBucket = this.#addresses.peek(address);
      addressBucket?.release(now);
      if (addressBucket?.isIdle(now)) this.#addresses.delete(address);
      const account = this.#accounts.peek(accountKey);
      const reservedAt = account?.bucket.release(now);
      if (account && reservedAt !== undefined) account.window.remove(reservedAt);
      if (account && account.bucket.isIdle(now) && account.window.count(now) === 0) this.#accounts.delete(accountKey);
    }
    const known = this.#knownGood.get(accountKey) ?? [];
    const updated = [address, ...known.filter((other) => other !== address)].slice(0, KNOWN_GOOD_ADDRESSES_PER_ACCOUNT);
    this.#knownGood.set(accountKey, updated);
  }

  isKnownGood(accountKey: string, address: string): boolean {
    return this.#knownGood.peek(accountKey)?.includes(address) ?? false;
  }

  /** Entries held in each map (each at most `maxEntries`). */
  sizes(): { pairs: number; addresses: number; accounts: number; knownGood: number } {
    return {
      pairs: this.#pairs.size,
      addresses: this.#addresses.size,
      accounts: this.#accounts.size,
      knownGood: this.#knownGood.size,
    };
  }

  #pairOf(key: string, existing: FailureBucket | undefined, now: number): FailureBucket {
    if (existing) return existing;
    const bucket = new FailureBucket(PAIR_POLICY, now);
    this.#pairs.set(key, bucket);
    return bucket;
  }

  #addressOf(address: string, existing: FailureBucket | undefined, now: number): FailureBucket {
    if (existing) return existing;
    const bucket = new FailureBucket(ADDRESS_POLICY, now);
    this.#addresses.set(address, bucket);
    return bucket;
  }

  #accountOf(accountKey: string, existing: AccountEntry | undefined, now: number): AccountEntry {
    if (existing) return existing;
    const entry = { bucket: new FailureBucket(ACCOUNT_POLICY, now), window: new HourWindow(now) };
    this.#accounts.set(accountKey, entry);
    return entry;
  }
}

/** Validated username keys and address keys hold no NUL, so the pair key is unambiguous. */
function keyOfPair(accountKey: string, address: string): string {
  return `${accountKey}\u0000${address}`;
}
