// Every string of the Big List of Naughty Strings over the real server: as a
// message body (stored and delivered to a second client exactly as sent, or
// refused with a clear error, the connection kept), as a username at
// registration (accepted, or refused with invalid_username and a reason), and
// as a password (validatePassword never throws). The list stays in
// ../shared/corpora (or SECURECHAT_BLNS); without it the tests say so by name.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ChatClient } from '../../src/net/client.ts';
import { RequestError } from '../../src/net/errors.ts';
import type { ChatMessage } from '../../src/net/schema.ts';
import { validatePassword, validateUsername } from '../../src/server/accounts/index.ts';
import type { TestServer } from '../helpers/harness.ts';
import { assertUsable, sendBody, startChatPair } from './text-helpers.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BLNS_PATH = resolve(REPO_ROOT, process.env.SECURECHAT_BLNS ?? '../shared/corpora/blns.json');
const PASSWORD = 'correct horse battery';
/** Registering costs a scrypt hash (~0.6 s); past this many accepted names, only a sample goes over the wire. */
const MAX_REGISTRATIONS = 40;
const SAMPLE_EVERY = 12;
/** Names worth registering whatever the sample: they are also property names of every JS object, or make a thenable. */
const ALWAYS_REGISTER = ['hasOwnProperty', 'then', 'constructor', 'toString', '__proto__', 'undefined', 'null', 'NULL'];

function loadStrings(): string[] {
  const parsed: unknown = JSON.parse(readFileSync(BLNS_PATH, 'utf8'));
  assert.ok(Array.isArray(parsed), 'blns.json holds an array');
  return parsed.filter((item): item is string => typeof item === 'string');
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: size }, worker));
}

if (!existsSync(BLNS_PATH)) {
  const skip = `Big List of Naughty Strings not found at ${BLNS_PATH} (set SECURECHAT_BLNS)`;
  test('BLNS as message bodies over the wire', { skip });
  test('BLNS as usernames over the wire', { skip });
  test('BLNS as passwords: validatePassword never throws', { skip });
} else {
  const strings = loadStrings();
  const accepted = strings.filter((s) => validateUsername(s).ok);
  const sampled = accepted.length > MAX_REGISTRATIONS;
  const toRegister = sampled
    ? accepted.filter((s, i) => i % SAMPLE_EVERY === 0 || ALWAYS_REGISTER.includes(s))
    : accepted;

  describe('BLNS over the wire', () => {
    let harness: TestServer;
    let alice: ChatClient;
    let bobInbox: Map<number, ChatMessage>;

    before(async () => {
      ({ harness, alice, bobInbox } = await startChatPair(PASSWORD));
    });
    after(() => harness.cleanup());

    test(`BLNS as message bodies over the wire: all ${strings.length}, stored and delivered exactly or refused with a reason`, async () => {
      const refusals = new Map<string, number>();
      await inBatches(strings, 8, async (body) => {
        const outcome = await sendBody(alice, bobInbox, body);
        if ('refused' in outcome) {
          // Only what the rules refuse: empty or whitespace-only bodies.
          assert.equal(outcome.refused.code, 'empty_body', `${JSON.stringify(body)}: ${outcome.refused.message}`);
          assert.equal(body.trim(), '');
          refusals.set(outcome.refused.code, (refusals.get(outcome.refused.code) ?? 0) + 1);
        }
      });
      await assertUsable(alice);
      assert.ok((refusals.get('empty_body') ?? 0) < 10);
    });

    test(
      sampled
        ? `BLNS as usernames over the wire: the ${strings.length - accepted.length} refused ones, and ${toRegister.length} of the ${accepted.length} accepted ones registered (a sample: the rest are checked with validateUsername only)`
        : `BLNS as usernames over the wire: all ${strings.length}`,
      async () => {
        const guest = await harness.client();
        // Refusals cost no hashing: every one goes over the wire, on one connection that stays a guest.
        for (const raw of strings) {
          if (validateUsername(raw).ok) continue;
          const error = await guest.register(raw, PASSWORD).then(
            () => assert.fail(`${JSON.stringify(raw)} was registered although validateUsername refuses it`),
            (e: unknown) => e,
          );
          assert.ok(error instanceof RequestError, String(error));
          assert.equal(error.code, 'invalid_username', `${JSON.stringify(raw)}: ${error.message}`);
          assert.ok(error.message.length > 0);
        }
        await assertUsable(guest);
        // Accepted names: registered on two connections at a time (scrypt is the cost).
        const keys = new Set<string>(['alice', 'bob']);
        await inBatches(toRegister, 2, async (raw) => {
          const expected = validateUsername(raw);
          assert.ok(expected.ok);
          const client = await harness.client();
          try {
            const taken = keys.has(expected.key);
            keys.add(expected.key);
            const result = await client.register(raw, PASSWORD).then(
              (start) => start,
              (e: unknown) => e,
            );
            if (taken) {
              assert.ok(result instanceof RequestError && result.code === 'username_taken', `${JSON.stringify(raw)}: ${String(result)}`);
            } else {
              assert.ok(!(result instanceof Error), `${JSON.stringify(raw)} was refused: ${String(result)}`);
              assert.equal((result as { user: string }).user, expected.name);
            }
          } finally {
            client.close();
          }
        });
        // The rest of the accepted ones: the validator's answer is what the server acts on.
        for (const raw of accepted) {
          const result = validateUsername(raw);
          assert.ok(result.ok && result.name === result.name.normalize('NFKC'));
        }
      },
    );
  });

  test('BLNS as passwords: validatePassword never throws', () => {
    for (const raw of strings) {
      for (const input of [raw, `password${raw}`, raw.repeat(40)]) {
        const result = validatePassword(input);
        if (!result.ok) assert.ok(result.reason.length > 0);
      }
    }
  });
}
