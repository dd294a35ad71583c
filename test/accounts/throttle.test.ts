// Login throttling with a fake clock: every time below is milliseconds on a
// clock that starts at T0 and only moves when the test moves it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ACCOUNT_FAILURES_PER_HOUR,
  LoginThrottle,
  type ThrottleDecision,
} from '../../src/server/accounts/index.ts';

const T0 = 1_700_000_000_000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** One failed attempt: check (must be allowed), then record the failure. */
function fail(throttle: LoginThrottle, account: string, address: string, now: number): void {
  const decision = throttle.check(account, address, now);
  assert.deepEqual(decision, { allowed: true }, `attempt on ${account} from ${address} at +${now - T0} ms`);
  throttle.recordFailure(account, address, now);
}

function waitOf(decision: ThrottleDecision): number {
  return decision.allowed ? 0 : decision.retryAfterMs;
}

test('five failures are free, then the delay doubles from 1 s', () => {
  const throttle = new LoginThrottle();
  let now = T0;
  for (let i = 0; i < 5; i++) fail(throttle, 'alice', '192.0.2.1', now);
  const waits: number[] = [];
  for (let i = 0; i < 7; i++) {
    const wait = waitOf(throttle.check('alice', '192.0.2.1', now));
    waits.push(wait);
    assert.equal(waitOf(throttle.check('alice', '192.0.2.1', now + wait - 1)), 1, 'still refused 1 ms before');
    now += wait;
    fail(throttle, 'alice', '192.0.2.1', now);
  }
  assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 64].map((s) => s * SECOND));
});

test('the per-address delay is capped at 15 minutes', () => {
  const throttle = new LoginThrottle();
  for (let i = 0; i < 40; i++) throttle.recordFailure(`user${i}`, '192.0.2.2', T0);
  assert.equal(waitOf(throttle.check('someone', '192.0.2.2', T0)), 15 * MINUTE);
  assert.equal(waitOf(throttle.check('someone', '192.0.2.2', T0 + 15 * MINUTE - 1)), 1);
  assert.deepEqual(throttle.check('someone', '192.0.2.2', T0 + 15 * MINUTE), { allowed: true });
});

test('failures decay: one is forgiven every 10 minutes, and all in time', () => {
  const throttle = new LoginThrottle();
  for (let i = 0; i < 8; i++) throttle.recordFailure('bob', '192.0.2.3', T0);
  // 8 failures: the next attempt waits 2^3 s.
  assert.equal(waitOf(throttle.check('bob', '192.0.2.3', T0)), 8 * SECOND);
  // After 30 minutes 3 are forgiven: 5 left, 1 s since the last failure long passed.
  assert.deepEqual(throttle.check('bob', '192.0.2.3', T0 + 30 * MINUTE), { allowed: true });
  throttle.recordFailure('bob', '192.0.2.3', T0 + 30 * MINUTE);
  assert.equal(waitOf(throttle.check('bob', '192.0.2.3', T0 + 30 * MINUTE)), 2 * SECOND);

  // Much later everything is forgiven: five free attempts again.
  const later = T0 + 3 * 60 * MINUTE;
  for (let i = 0; i < 5; i++) fail(throttle, 'bob', '192.0.2.3', later);
  assert.equal(waitOf(throttle.check('bob', '192.0.2.3', later)), SECOND);
});

test('one account never sees more than 100 failures in any hour, from any number of addresses', () => {
  const throttle = new LoginThrottle();
  const failures: number[] = [];
  let now = T0;
  let longestWait = 0;
  for (let attempt = 0; now < T0 + 4 * 60 * MINUTE; attempt++) {
    // A fresh address each time: only the account counter can hold the attacker.
    const address = `198.51.${attempt >> 8}.${attempt & 255}`;
    const decision = throttle.check('carol', address, now);
    if (!decision.allowed) {
      longestWait = Math.max(longestWait, decision.retryAfterMs);
      now += decision.retryAfterMs;
      continue;
    }
    throttle.recordFailure('carol', address, now);
    failures.push(now);
  }
  for (const [index, at] of failures.entries()) {
    const inHour = failures.filter((other) => other > at - 60 * MINUTE && other <= at).length;
    assert.ok(inHour <= ACCOUNT_FAILURES_PER_HOUR, `${inHour} failures in the hour before failure #${index}`);
  }
  // The cap is what held the attacker (the account's own delay stops at 30 s).
  assert.ok(longestWait > 30 * SECOND, `longest wait ${longestWait} ms`);
  const firstHour = failures.filter((at) => at < T0 + 60 * MINUTE).length;
  assert.ok(firstHour >= 90 && firstHour <= 100, `${firstHour} failures in the first hour`);
});

test('a known-good address keeps working while an attacker is throttled on the account', () => {
  const throttle = new LoginThrottle();
  // The real user logs in from home once.
  assert.deepEqual(throttle.check('dave', '203.0.113.7', T0), { allowed: true });
  throttle.recordSuccess('dave', '203.0.113.7', T0);
  assert.ok(throttle.isKnownGood('dave', '203.0.113.7'));

  // An attacker spread over many addresses drives the account to its hourly cap.
  let now = T0 + MINUTE;
  for (let attempt = 0; ; attempt++) {
    const address = `198.51.${attempt >> 8}.${attempt & 255}`;
    const decision = throttle.check('dave', address, now);
    if (decision.allowed) throttle.recordFailure('dave', address, now);
    else if (decision.retryAfterMs > 30 * SECOND) break; // the hourly cap holds the account
    else now += decision.retryAfterMs;
  }
  const stranger = throttle.check('dave', '192.0.2.99', now);
  assert.ok(!stranger.allowed && stranger.retryAfterMs > 30 * SECOND, 'a new address is held by the account counter');

  // From home, dave is not held: five tries of his own, then the pair rule.
  for (let i = 0; i < 5; i++) fail(throttle, 'dave', '203.0.113.7', now);
  assert.equal(waitOf(throttle.check('dave', '203.0.113.7', now)), SECOND);
  assert.deepEqual(throttle.check('dave', '203.0.113.7', now + SECOND), { allowed: true });
  throttle.recordSuccess('dave', '203.0.113.7', now + SECOND);
  // A success resets the pair.
  for (let i = 0; i < 5; i++) fail(throttle, 'dave', '203.0.113.7', now + 2 * SECOND);
});

test('a success resets only its own pair: an attacker cannot clear their address by logging in', () => {
  const throttle = new LoginThrottle();
  for (let i = 0; i < 5; i++) fail(throttle, `victim${i}`, '192.0.2.50', T0);
  // The attacker logs into their own account from the same address.
  assert.equal(waitOf(throttle.check('mallory', '192.0.2.50', T0)), SECOND);
  assert.deepEqual(throttle.check('mallory', '192.0.2.50', T0 + SECOND), { allowed: true });
  throttle.recordSuccess('mallory', '192.0.2.50', T0 + SECOND);
  // The address still holds its five failures (and no more: mallory's
  // reservation was withdrawn), so one more makes the next wait 2 s.
  fail(throttle, 'victim9', '192.0.2.50', T0 + SECOND);
  assert.equal(waitOf(throttle.check('victim10', '192.0.2.50', T0 + SECOND)), 2 * SECOND);
});

test('parallel attempts are reserved at check time, so they cannot all pass', () => {
  const throttle = new LoginThrottle();
  const decisions = Array.from({ length: 20 }, () => throttle.check('erin', '192.0.2.60', T0));
  assert.equal(decisions.filter((decision) => decision.allowed).length, 5);
  assert.equal(waitOf(decisions[5]!), SECOND);

  // All five succeed: their reservations are withdrawn.
  for (let i = 0; i < 5; i++) throttle.recordSuccess('erin', '192.0.2.60', T0 + 10);
  assert.deepEqual(throttle.check('frank', '192.0.2.60', T0 + 10), { allowed: true });
});

test('a reserved attempt whose outcome never comes counts as a failure after 60 s', () => {
  const throttle = new LoginThrottle();
  for (let i = 0; i < 5; i++) assert.ok(throttle.check('grace', '192.0.2.70', T0).allowed);
  // 61 s on: the five became failures (at T0); the 1 s delay has passed.
  const later = T0 + 61 * SECOND;
  assert.deepEqual(throttle.check('grace', '192.0.2.70', later), { allowed: true });
  // Five failures plus one reservation: the next waits 2 s, which it would
  // not if the abandoned five had simply been dropped.
  assert.equal(waitOf(throttle.check('grace', '192.0.2.70', later)), 2 * SECOND);
});

test('memory stays bounded: 200,000 distinct keys, no map over its cap', () => {
  const throttle = new LoginThrottle({ maxEntries: 100_000 });
  for (let i = 0; i < 200_000; i++) {
    throttle.recordFailure(`user${i}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, T0 + i);
  }
  for (let i = 0; i < 200_000; i++) throttle.recordSuccess(`user${i}`, `10.0.0.${i & 255}`, T0 + 200_000);
  const sizes = throttle.sizes();
  for (const [map, size] of Object.entries(sizes)) assert.ok(size <= 100_000, `${map}: ${size}`);
  assert.equal(sizes.pairs, 100_000);
});

test('a counter in use survives a flood of other keys (least recently used goes first)', () => {
  const throttle = new LoginThrottle({ maxEntries: 50 });
  for (let i = 0; i < 5; i++) fail(throttle, 'heidi', '192.0.2.80', T0);
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 10; i++) throttle.recordFailure(`flood${round}-${i}`, `198.18.${round}.${i}`, T0);
    assert.equal(waitOf(throttle.check('heidi', '192.0.2.80', T0)), SECOND, `round ${round}`);
  }
});
