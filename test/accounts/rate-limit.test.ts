// Token buckets, the least-recently-used map under them, and address keys.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RATE_LIMITS, RateLimiter, clientAddressKey } from '../../src/server/accounts/index.ts';
import { BoundedMap } from '../../src/server/accounts/bounded-map.ts';

const T0 = 1_700_000_000_000;

test('a bucket allows its burst, then its rate, and says how long to wait', () => {
  const limiter = new RateLimiter({ burst: 3, perSecond: 2 });
  assert.equal(limiter.take('u', T0), 0);
  assert.equal(limiter.take('u', T0), 0);
  assert.equal(limiter.take('u', T0), 0);
  assert.equal(limiter.take('u', T0), 500); // one token every 500 ms
  assert.equal(limiter.take('u', T0 + 499), 1);
  assert.equal(limiter.tryTake('u', T0 + 500), true);
  assert.equal(limiter.tryTake('u', T0 + 500), false, 'a refused take leaves the bucket as it was');
  // Idle for long: back to a full burst, not more.
  for (let i = 0; i < 3; i++) assert.equal(limiter.take('u', T0 + 60_000), 0);
  assert.ok(limiter.take('u', T0 + 60_000) > 0);
  // Keys are independent.
  assert.equal(limiter.take('v', T0), 0);
});

test('costs, bad options and a clock that steps back', () => {
  const limiter = new RateLimiter({ burst: 10, perSecond: 1 });
  assert.equal(limiter.take('u', T0, 10), 0);
  assert.equal(limiter.take('u', T0, 4), 4000);
  assert.throws(() => limiter.take('u', T0, 11), RangeError);
  assert.throws(() => limiter.take('u', T0, 0), RangeError);
  assert.equal(limiter.take('u', T0 - 5000), 1000, 'stepping back neither refills nor drains');
  assert.throws(() => new RateLimiter({ burst: 0, perSecond: 1 }), RangeError);
  assert.throws(() => new RateLimiter({ burst: 1, perSecond: 0 }), RangeError);
  assert.throws(() => new RateLimiter({ burst: 1, perSecond: Number.NaN }), RangeError);
  for (const options of Object.values(RATE_LIMITS)) assert.equal(new RateLimiter(options).take('x', T0), 0);
});

test('a rate limiter keeps at most maxKeys buckets', () => {
  const limiter = new RateLimiter({ burst: 1, perSecond: 1, maxKeys: 1000 });
  for (let i = 0; i < 200_000; i++) limiter.take(`addr${i}`, T0);
  assert.equal(limiter.size, 1000);
  // The most recent keys are still remembered (and empty).
  assert.ok(limiter.take('addr199999', T0) > 0);
});

test('BoundedMap forgets the least recently used entry first', () => {
  const map = new BoundedMap<string, number>(3);
  map.set('a', 1);
  map.set('b', 2);
  map.set('c', 3);
  assert.equal(map.get('a'), 1); // a is now the most recent
  map.set('d', 4); // evicts b
  assert.equal(map.peek('b'), undefined);
  assert.deepEqual(['a', 'c', 'd'].map((key) => map.peek(key)), [1, 3, 4]);
  map.set('c', 30); // update refreshes c
  map.set('e', 5); // evicts a (peek does not refresh)
  assert.equal(map.peek('a'), undefined);
  assert.equal(map.size, 3);
  assert.equal(map.delete('c'), true);
  assert.equal(map.delete('c'), false);
  map.set('f', 6);
  map.set('g', 7);
  assert.deepEqual(['d', 'e', 'f', 'g'].map((key) => map.peek(key)), [undefined, 5, 6, 7]);
  assert.throws(() => new BoundedMap(0), RangeError);
});

test('address keys: IPv4 as is, IPv6 by /64, IPv4-mapped as IPv4', () => {
  const cases: [string | undefined, string][] = [
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::ffff:c000:201', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::99', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    [undefined, 'unknown'],
    ['', 'unknown'],
    ['not an address', 'other:not an address'],
  ];
  for (const [input, key] of cases) assert.equal(clientAddressKey(input), key, String(input));
});
