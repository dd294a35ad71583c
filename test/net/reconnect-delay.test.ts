// The reconnect backoff (src/net/reconnect-delay.ts): quick early attempts,
// so that a client is back soon after a short outage such as a graceful
// restart; jitter, so that a crowd spreads out; growth and a cap for a
// server that stays down.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CAP_MS, FAST_ATTEMPTS, nextReconnectDelay } from '../../src/net/reconnect-delay.ts';

const lowest = (attempt: number): number => nextReconnectDelay(attempt, () => 0);
const highest = (attempt: number): number => nextReconnectDelay(attempt, () => 1);

/** A small deterministic PRNG (mulberry32), so that the crowd simulation is repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('nextReconnectDelay', () => {
  test('the first attempts come within 250–750 ms, jittered, for at least 2.5 s', () => {
    assert.equal(FAST_ATTEMPTS * 250, 2500);
    for (let attempt = 0; attempt < FAST_ATTEMPTS; attempt++) {
      assert.equal(lowest(attempt), 250);
      assert.equal(highest(attempt), 750);
    }
    assert.equal(nextReconnectDelay(0, () => 0.5), 500);
  });

  test('then the delay doubles, never below half its ceiling, up to the cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((n) => [lowest(FAST_ATTEMPTS + n), highest(FAST_ATTEMPTS + n)]),
      [
        [1000, 2000],
        [2000, 4000],
        [4000, 8000],
        [8000, 16000],
        [15000, 30000],
        [15000, 30000],
      ],
    );
    assert.equal(highest(1000), CAP_MS);
    assert.equal(highest(Number.MAX_SAFE_INTEGER), CAP_MS);
  });

  test('after a 2 s outage (plus startup) every client of a crowd is back within a second of the server', () => {
    const random = seeded(42);
    const downForMs = 2_500;
    const backAfter: number[] = [];
    for (let client = 0; client < 1000; client++) {
      let at = 0;
      let attempt = 0;
      while (at < downForMs) at += nextReconnectDelay(attempt++, random);
      backAfter.push(at - downForMs);
    }
    backAfter.sort((a, b) => a - b);
    assert.ok(backAfter.at(-1)! <= 750, `slowest client back ${backAfter.at(-1)} ms after the server`);
    // …and not all at once: the returns spread over most of the 750 ms window.
    assert.ok(backAfter[100]! > 30 && backAfter[900]! - backAfter[100]! > 300, JSON.stringify([backAfter[100], backAfter[900]]));
  });

  test('a server that stays down is tried less and less often: ~16 times in the first minute, ~3 a minute later', () => {
    let at = 0;
    let attempt = 0;
    while (at < 60_000) at += nextReconnectDelay(attempt++, () => 0.5);
    assert.ok(attempt <= 17, `${attempt} attempts in the first minute`);
    assert.equal(nextReconnectDelay(attempt, () => 0.5), 22_500);
  });
});
