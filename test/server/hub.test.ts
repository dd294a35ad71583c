// The hub's list of online names, kept in order as users come and go
// (bench/README.md, "Profile"): always what sorting the names afresh with
// localeCompare gives.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Hub, type Recipient } from '../../src/server/hub.ts';
import type { ChatStore } from '../../src/server/store/chat-store.ts';

const store = { roomsOfUser: () => [] } as unknown as ChatStore;

function recipient(userId: number): Recipient & { received: Uint8Array[] } {
  const received: Uint8Array[] = [];
  return { userId, received, deliver: (payload) => received.push(payload) };
}

test('onlineNames is the localeCompare order of who is online, through any joins and leaves', () => {
  const name = fc.oneof(
    fc.constantFrom('alice', 'Alice2', 'bob', 'Bob', 'émile', 'Zoë', 'zoe', 'ångström', 'andy', 'Ωmega', 'ωmega', '李', 'ä', 'a', 'z'),
    fc.string({ minLength: 1, maxLength: 6 }),
  );
  const step = fc.record({ user: fc.integer({ min: 1, max: 12 }), window: fc.integer({ min: 0, max: 1 }), on: fc.boolean() });
  fc.assert(
    fc.property(fc.array(name, { minLength: 12, maxLength: 12 }), fc.array(step, { maxLength: 80 }), (names, steps) => {
      const hub = new Hub(store);
      const windows = new Map<string, Recipient>();
      const online = new Map<number, Set<string>>();
      for (const { user, window, on } of steps) {
        const key = `${user}/${window}`;
        const conns = online.get(user) ?? new Set<string>();
        if (on && !conns.has(key)) {
          const r = recipient(user);
          windows.set(key, r);
          hub.addConnection(r, user, names[user - 1]!);
          conns.add(key);
        } else if (!on && conns.has(key)) {
          hub.removeConnection(windows.get(key)!, user);
          conns.delete(key);
        }
        if (conns.size > 0) online.set(user, conns);
        else online.delete(user);
        // online is in coming-online order, and Array.prototype.sort is stable: ties keep that order.
        const expected = [...online.keys()].map((id) => names[id - 1]!).sort((a, b) => a.localeCompare(b));
        assert.deepEqual(hub.onlineNames(), expected);
      }
    }),
    { numRuns: 300 },
  );
});

test('a room message is encoded once and delivered to every other connection', () => {
  const hub = new Hub(store);
  const [a, b1, b2] = [recipient(1), recipient(2), recipient(2)];
  hub.addConnection(a, 1, 'a');
  hub.addConnection(b1, 2, 'b');
  hub.addConnection(b2, 2, 'b');
  hub.toEveryoneBut(1, Buffer.from('{"type":"presence"}'));
  assert.equal(a.received.length, 0);
  assert.equal(b1.received.length, 1);
  assert.equal(b1.received[0], b2.received[0], 'the same bytes, not a copy per recipient');
});
