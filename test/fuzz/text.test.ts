// Hostile text over the real server: bodies with NUL, control, bidi-override
// and zero-width characters, lone surrogates, 10,000 combining marks and
// invalid UTF-8; usernames that only look like an existing one. Each body is
// stored and delivered to a second client exactly as sent (also after a
// restart), or refused with a clear error and the connection stays usable.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatClient } from '../../src/net/client.ts';
import { RequestError } from '../../src/net/errors.ts';
import { MAX_BODY_BYTES } from '../../src/net/limits.ts';
import type { ChatMessage } from '../../src/net/schema.ts';
import type { TestServer } from '../helpers/harness.ts';
import { RawClient, closedWithin } from './raw-client.ts';
import { type BodyOutcome, assertUsable, sendBody, startChatPair } from './text-helpers.ts';

const PASSWORD = 'correct horse battery';

/** Bodies that must arrive exactly as sent. */
const KEPT: Array<[string, string]> = [
  ['NUL inside', 'a\u0000b'],
  ['NUL alone', '\u0000'],
  ['every C0 control and DEL', 'x' + Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f'],
  ['C1 controls', 'x\u0080\u0085\u009b\u009f'],
  ['terminal escapes (clear screen, colour, cursor moves)', '\u001b[2J\u001b[H\u001b[31mred\u001b[0m\u001b]0;title\u0007\u009b2J'],
  ['bidi overrides and isolates', 'abc\u202edcba\u202c \u2066x\u2069 \u2067y\u2069 \u2068z\u2069 \u200e\u200f\u061c'],
  ['zero-width characters', 'a\u200bb\u200cc\u200dd\u2060e\ufefff\u180e'],
  ['noncharacters', 'x\ufffe\uffff\ufdd0\u{1fffe}\u{10ffff}'],
  ['astral characters and emoji sequences', '😀 𝕏 👩‍👩‍👧 🏳️‍🌈 🇫🇷'],
  ['JSON and HTML metacharacters', '"\\/\b\f\n\r\t <script>&amp;</script> \u2028\u2029'],
  ['combining marks at the byte limit', 'e' + '\u0301'.repeat((MAX_BODY_BYTES - 1) / 2 - 0.5)],
  ['leading and trailing whitespace', '  \t hi \n '],
];

/** Bodies that must be refused with this code, and the connection kept. */
const REFUSED: Array<[string, string, string]> = [
  ['10,000 combining marks (20,001 bytes)', 'e' + '\u0301'.repeat(10_000), 'body_too_long'],
  ['whitespace only', ' \t\n\u3000', 'empty_body'],
  ['empty', '', 'empty_body'],
  // JSON carries these as \ud800 escapes; they are not Unicode text (RFC 7493 §2.1) and no
  // store keeps them (sql.js turns each into U+FFFD): refused rather than altered.
  ['a lone high surrogate', 'a\ud800b', 'bad_request'],
  ['a lone low surrogate', '\udfff', 'bad_request'],
  ['half an emoji at the end', 'cut here \ud83d', 'bad_request'],
  ['a reversed surrogate pair', '\ude00\ud83d', 'bad_request'],
];

describe('hostile text over the wire', () => {
  let harness: TestServer;
  let alice: ChatClient;
  let bobInbox: Map<number, ChatMessage>;
  const stored: ChatMessage[] = [];

  before(async () => {
    ({ harness, alice, bobInbox } = await startChatPair(PASSWORD));
  });
  after(() => harness.cleanup());

  for (const [name, body] of KEPT) {
    test(`body kept exactly: ${name}`, async () => {
      const outcome: BodyOutcome = await sendBody(alice, bobInbox, body);
      assert.ok('stored' in outcome, `refused: ${'refused' in outcome ? outcome.refused.message : ''}`);
      stored.push(outcome.stored);
    });
  }

  for (const [name, body, code] of REFUSED) {
    test(`body refused with ${code}, connection kept: ${name}`, async () => {
      const outcome = await sendBody(alice, bobInbox, body);
      assert.ok('refused' in outcome, `stored ${JSON.stringify(body).slice(0, 60)}`);
      assert.equal(outcome.refused.code, code);
      await assertUsable(alice);
    });
  }

  // Decision: an application message is JSON text, which must be UTF-8
  // (RFC 8259 §8.1). Bytes that are not UTF-8 cannot be "stored as sent" (a
  // replacement character would change them), and no client built on
  // JSON.stringify can produce them, so the message does not validate: it is
  // answered with bad_request and a bye, and the connection is closed, like
  // any malformed message (DESIGN.md, wire protocol §3; RFC 6455 §8.1 does the
  // same for WebSocket text). Nothing of it is stored.
  const INVALID_UTF8: Array<[string, number[]]> = [
    ['a stray continuation byte', [0x80]],
    ['0xFF and 0xFE', [0xff, 0xfe]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['a surrogate encoded in UTF-8 (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a sequence cut short', [0xe2, 0x82]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ];
  for (const [name, bytes] of INVALID_UTF8) {
    test(`invalid UTF-8 in a body (${name}) is refused, nothing stored, connection closed with a reason`, async () => {
      const raw = await RawClient.connect(harness.server.port);
      assert.equal((await raw.request({ type: 'resume', token: alice.sessionToken })).type, 'result');
      const before = await alice.history('general', { limit: 1 });
      const prefix = Buffer.from('{"type":"send","id":77,"room":"general","body":"a');
      raw.sendBytes(Buffer.concat([prefix, Buffer.from(bytes), Buffer.from('b"}')]));
      assert.ok(await closedWithin(raw.socket, 5000), 'the connection stayed open');
      const error = raw.received.find((m) => m.type === 'error');
      assert.ok(error?.type === 'error' && error.code === 'bad_request' && /UTF-8/.test(error.message), JSON.stringify(raw.received));
      assert.match(raw.bye() ?? '', /UTF-8/);
      const afterwards = await alice.history('general', { limit: 1 });
      assert.deepEqual(afterwards.messages.map((m) => m.id), before.messages.map((m) => m.id), 'something was stored');
      await assertUsable(alice);
    });
  }

  test('every kept body is the same after a restart (journal and snapshot)', async () => {
    assert.ok(stored.length > 0);
    const token = alice.sessionToken!;
    await harness.restart();
    const again = await harness.client();
    await again.resume(token);
    for (const message of stored) {
      const page = await again.history('general', { after: message.id - 1, limit: 1 });
      assert.equal(page.messages[0]?.body, message.body, `changed by the restart: ${JSON.stringify(message.body).slice(0, 60)}`);
    }
    alice = again;
  });

  // After "alice": case, width, an invisible character and a Cyrillic а.
  const LOOK_ALIKES: Array<[string, string]> = [
    ['capital first letter', 'Alice'],
    ['all capitals', 'ALICE'],
    ['fullwidth letters', 'ａｌｉｃｅ'],
    ['a zero-width space inside', 'ali\u200bce'],
    ['a Cyrillic а in front', '\u0430lice'],
    ['a Cyrillic е at the end', 'alic\u0435'],
    ['mathematical bold letters', '𝐚𝐥𝐢𝐜𝐞'],
    ['a soft hyphen inside', 'al\u00adice'],
  ];
  for (const [name, username] of LOOK_ALIKES) {
    test(`a name that only looks like "alice" is refused: ${name}`, async () => {
      const other = await harness.client();
      const error = await other.register(username, PASSWORD).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof RequestError, `"${username}" was registered`);
      assert.ok(['username_taken', 'invalid_username'].includes(error.code), error.code);
      assert.ok(error.message.length > 0);
      other.close();
    });
  }
});
