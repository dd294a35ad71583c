// Properties of the two decoders at the trust boundary (src/net/schema.ts):
// for any string, any JSON value and any near-valid message, decodeRequest
// and decodeServerMessage return a value that really has its declared type,
// or throw a ProtocolError with a stable code (bad_request / unknown_type);
// never another exception, and never a prototype changed by "__proto__" or
// "constructor" keys. The expected outcome comes from an independent
// reading of the types in schema.ts, written out below.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtocolError } from '../../src/net/errors.ts';
import { ERROR_CODES, type ErrorCode, MAX_HISTORY_PAGE, decodeRequest, decodeServerMessage } from '../../src/net/schema.ts';
import { checkProperty } from './fuzz-run.ts';
import { type JsonTree, arr, bool, jsonTree, nearValid, num, obj, serialise, str } from './json-arbitraries.ts';

const OBJECT_PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

function assertNoPollution(): void {
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), OBJECT_PROTOTYPE_KEYS);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
  for (const key of ['type', 'id', 'polluted', 'isAdmin', 'result']) assert.equal(key in {}, false, `Object.prototype.${key} appeared`);
}

/** Every object reachable from a decoded value is a plain object or array with the ordinary prototype. */
function assertPlain(value: unknown, path = 'value'): void {
  if (typeof value !== 'object' || value === null) return;
  const proto = Object.getPrototypeOf(value);
  assert.ok(proto === Object.prototype || proto === Array.prototype, `${path} has an unusual prototype`);
  for (const [key, child] of Object.entries(value)) assertPlain(child, `${path}.${key}`);
}

// --------------------------------------------------------- the expectation

type Json = Record<string, unknown>;
type Outcome = { ok: true; value: Json } | { ok: false; code: ErrorCode };

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Json, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const MAX = Number.MAX_SAFE_INTEGER;

/** Request fields: name → maximum length (strings) or [min, max, optional] (integers). */
const REQUEST_FIELDS: Record<string, Record<string, number | [number, number, boolean]>> = {
  register: { username: 256, password: 4096 },
  login: { username: 256, password: 4096 },
  resume: { token: 128 },
  logout: {},
  send: { room: 256, body: 64 * 1024 },
  join: { room: 256 },
  leave: { room: 256 },
  rooms: {},
  users: {},
  history: { room: 256, before: [0, MAX, true], after: [0, MAX, true], limit: [1, MAX_HISTORY_PAGE, true] },
  ping: {},
};

function expectRequest(text: string): Outcome {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_request' };
  }
  if (!isObject(raw)) return { ok: false, code: 'bad_request' };
  const id = own(raw, 'id');
  if (!isInt(id, 0, MAX)) return { ok: false, code: 'bad_request' };
  const type = own(raw, 'type');
  if (typeof type !== 'string' || !Object.hasOwn(REQUEST_FIELDS, type)) return { ok: false, code: 'unknown_type' };
  const value: Json = { type, id };
  // Shape first: every field of the right type (the body within the message size).
  for (const [field, rule] of Object.entries(REQUEST_FIELDS[type]!)) {
    const v = own(raw, field);
    if (typeof rule === 'number') {
      if (!isStr(v, field === 'body' ? rule : Infinity)) return { ok: false, code: 'bad_request' };
      value[field] = v;
    } else if (v !== undefined) {
      if (!isInt(v, rule[0], rule[1])) return { ok: false, code: 'bad_request' };
      value[field] = v;
    }
  }
  if (value.before !== undefined && value.after !== undefined) return { ok: false, code: 'bad_request' };
  // Then the bounds of text fields, refused with the code the handler would use.
  for (const [field, rule] of Object.entries(REQUEST_FIELDS[type]!)) {
    if (typeof rule === 'number' && (value[field] as string).length > rule) return { ok: false, code: tooLongCode(type, field) };
  }
  return { ok: true, value };
}

function tooLongCode(type: string, field: string): ErrorCode {
  if (type === 'login') return 'invalid_credentials';
  const codes: Record<string, ErrorCode> = { username: 'invalid_username', password: 'invalid_password', token: 'invalid_token', room: 'invalid_room' };
  return codes[field] ?? 'bad_request';
}

const REQUEST_TYPES = Object.keys(REQUEST_FIELDS);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const arrayOf = (v: unknown, item: (x: unknown) => boolean): boolean => Array.isArray(v) && v.every(item);
const isChatMessage = (v: unknown): boolean =>
  isObject(v) &&
  isInt(own(v, 'id'), 0, MAX) &&
  typeof own(v, 'room') === 'string' &&
  typeof own(v, 'from') === 'string' &&
  typeof own(v, 'body') === 'string' &&
  isFiniteNumber(own(v, 'ts'));
const isRoomInfo = (v: unknown): boolean =>
  isObject(v) && typeof own(v, 'name') === 'string' && isInt(own(v, 'members'), 0, MAX) && typeof own(v, 'joined') === 'boolean';
const isSessionStart = (r: Json): boolean =>
  typeof own(r, 'user') === 'string' &&
  typeof own(r, 'token') === 'string' &&
  isFiniteNumber(own(r, 'expiresAt')) &&
  arrayOf(own(r, 'rooms'), isRoomInfo) &&
  arrayOf(own(r, 'online'), (x) => typeof x === 'string') &&
  isObject(own(r, 'history')) &&
  Object.values(own(r, 'history') as Json).every((m) => arrayOf(m, isChatMessage));

/** What each request type's result must look like (ResultMap in schema.ts). */
const RESULT_SHAPES: Record<string, (r: Json) => boolean> = {
  register: isSessionStart,
  login: isSessionStart,
  resume: isSessionStart,
  logout: () => true,
  send: (r) => isChatMessage(own(r, 'message')),
  join: (r) => isRoomInfo(own(r, 'room')) && arrayOf(own(r, 'history'), isChatMessage),
  leave: (r) => typeof own(r, 'room') === 'string',
  rooms: (r) => arrayOf(own(r, 'rooms'), isRoomInfo),
  users: (r) => arrayOf(own(r, 'online'), (x) => typeof x === 'string'),
  history: (r) => typeof own(r, 'room') === 'string' && arrayOf(own(r, 'messages'), isChatMessage) && typeof own(r, 'more') === 'boolean',
  ping: (r) => isFiniteNumber(own(r, 'ts')),
};

function serverMessageValid(raw: Json): boolean {
  switch (own(raw, 'type')) {
    case 'result': {
      const result = own(raw, 'result');
      const forType = own(raw, 'for');
      return (
        isInt(own(raw, 'id'), 0, MAX) &&
        typeof forType === 'string' &&
        Object.hasOwn(RESULT_SHAPES, forType) &&
        isObject(result) &&
        RESULT_SHAPES[forType]!(result)
      );
    }
    case 'error': {
      const id = own(raw, 'id');
      const retry = own(raw, 'retryAfterMs');
      return (
        (ERROR_CODES as readonly unknown[]).includes(own(raw, 'code')) &&
        isStr(own(raw, 'message'), 4096) &&
        (id === undefined || isInt(id, 0, MAX)) &&
        (retry === undefined || (isFiniteNumber(retry) && retry >= 0))
      );
    }
    case 'message':
      return isChatMessage(own(raw, 'message'));
    case 'notice':
      return (
        isStr(own(raw, 'room'), 256) &&
        ['join', 'leave'].includes(own(raw, 'event') as string) &&
        isStr(own(raw, 'user'), 256) &&
        isFiniteNumber(own(raw, 'ts'))
      );
    case 'presence':
      return ['online', 'offline'].includes(own(raw, 'event') as string) && isStr(own(raw, 'user'), 256) && isFiniteNumber(own(raw, 'ts'));
    case 'bye':
      return isStr(own(raw, 'reason'), 4096);
    default:
      return false;
  }
}

const SERVER_TYPES = ['result', 'error', 'message', 'notice', 'presence', 'bye'];

function expectServerMessage(text: string): Outcome {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_request' };
  }
  if (!isObject(raw) || typeof own(raw, 'type') !== 'string') return { ok: false, code: 'bad_request' };
  if (!SERVER_TYPES.includes(own(raw, 'type') as string)) return { ok: false, code: 'unknown_type' };
  return serverMessageValid(raw) ? { ok: true, value: raw } : { ok: false, code: 'bad_request' };
}

// ------------------------------------------------------------ the checking

function outcomeOf(decode: (text: string) => unknown, text: string): { ok: true; value: unknown } | { ok: false; error: ProtocolError } {
  try {
    return { ok: true, value: decode(text) };
  } catch (error) {
    assert.ok(error instanceof ProtocolError, `not a ProtocolError: ${String((error as Error)?.stack ?? error)}`);
    assert.ok(error.message.length > 0);
    return { ok: false, error };
  }
}

function checkRequest(text: string): void {
  const expected = expectRequest(text);
  const actual = outcomeOf(decodeRequest, text);
  assertNoPollution();
  if (expected.ok) {
    assert.ok(actual.ok, `refused a valid request: ${actual.ok ? '' : actual.error.message}`);
    assert.deepEqual(actual.value, expected.value);
    assertPlain(actual.value);
    assert.equal(Object.hasOwn(actual.value as object, '__proto__'), false);
  } else {
    assert.ok(!actual.ok, `accepted ${text.slice(0, 200)} as ${JSON.stringify(actual.ok && actual.value)}`);
    assert.equal(actual.error.code, expected.code);
    // The id of a refused request is reported whenever it is a valid id (so the reply decodes).
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const id = isObject(raw) ? own(raw, 'id') : undefined;
    assert.equal(actual.error.requestId, isInt(id, 0, MAX) ? id : undefined);
  }
  // Stable: the same text gives the same outcome.
  const again = outcomeOf(decodeRequest, text);
  assert.equal(again.ok, actual.ok);
  if (!again.ok && !actual.ok) assert.equal(again.error.code, actual.error.code);
}

function checkServerMessage(text: string): void {
  const expected = expectServerMessage(text);
  const actual = outcomeOf(decodeServerMessage, text);
  assertNoPollution();
  if (expected.ok) {
    assert.ok(actual.ok, `refused a valid server message: ${actual.ok ? '' : actual.error.message}`);
    assertPlain(actual.value);
  } else {
    assert.ok(!actual.ok, `accepted ${text.slice(0, 300)}`);
    assert.equal(actual.error.code, expected.code);
  }
}

// ------------------------------------------------------- valid messages

const id = fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)).map(num);
/** Text fields, sometimes past their bounds (256 for names and rooms, 4096 for passwords, 128 for tokens). */
const text = (max: number) =>
  fc.oneof({ weight: 9, arbitrary: fc.string({ maxLength: max }) }, { weight: 1, arbitrary: fc.constantFrom(120, 129, 256, 257, 4097).map((n) => 'x'.repeat(n)) }).map(str);

const validRequest: fc.Arbitrary<JsonTree> = fc.oneof(
  fc.record({ type: fc.constantFrom('register', 'login').map(str), id, username: text(40), password: text(40) }).map(obj),
  fc.record({ type: fc.constant(str('resume')), id, token: text(64) }).map(obj),
  fc.record({ type: fc.constantFrom('logout', 'rooms', 'users', 'ping').map(str), id }).map(obj),
  fc.record({ type: fc.constant(str('send')), id, room: text(20), body: text(200) }).map(obj),
  fc.record({ type: fc.constantFrom('join', 'leave').map(str), id, room: text(20) }).map(obj),
  fc
    .record(
      { type: fc.constant(str('history')), id, room: text(20), before: id, after: id, limit: fc.integer({ min: 1, max: MAX_HISTORY_PAGE }).map(num) },
      { requiredKeys: ['type', 'id', 'room'] },
    )
    .map((r) => obj(r as Record<string, JsonTree>)),
);

const chatMessage = fc.record({ id, room: text(10), from: text(10), body: text(50), ts: id }).map(obj);
const roomInfo = fc.record({ name: text(10), members: id, joined: fc.boolean().map(bool) }).map(obj);
const strings = fc.array(text(10), { maxLength: 3 }).map((v) => arr(...v));
const sessionStart = fc
  .record({
    user: text(10),
    token: text(20),
    expiresAt: id,
    rooms: fc.array(roomInfo, { maxLength: 2 }).map((v) => arr(...v)),
    online: strings,
    history: fc.dictionary(fc.string({ maxLength: 8 }), fc.array(chatMessage, { maxLength: 2 }).map((v) => arr(...v)), { maxKeys: 2 }).map(obj),
  })
  .map(obj);
const results: Record<string, fc.Arbitrary<JsonTree>> = {
  register: sessionStart,
  login: sessionStart,
  resume: sessionStart,
  logout: fc.constant(obj({})),
  send: chatMessage.map((message) => obj({ message })),
  join: fc.record({ room: roomInfo, history: fc.array(chatMessage, { maxLength: 2 }).map((v) => arr(...v)) }).map(obj),
  leave: text(10).map((room) => obj({ room })),
  rooms: fc.array(roomInfo, { maxLength: 3 }).map((v) => obj({ rooms: arr(...v) })),
  users: strings.map((online) => obj({ online })),
  history: fc.record({ room: text(10), messages: fc.array(chatMessage, { maxLength: 3 }).map((v) => arr(...v)), more: fc.boolean().map(bool) }).map(obj),
  ping: id.map((ts) => obj({ ts })),
};

const validServerMessage: fc.Arbitrary<JsonTree> = fc.oneof(
  fc
    .constantFrom(...REQUEST_TYPES)
    .chain((forType) => fc.record({ type: fc.constant(str('result')), id, for: fc.constant(str(forType)), result: results[forType]! }))
    .map(obj),
  fc
    .record(
      { type: fc.constant(str('error')), id, code: fc.constantFrom(...ERROR_CODES).map(str), message: text(50), retryAfterMs: id },
      { requiredKeys: ['type', 'code', 'message'] },
    )
    .map((r) => obj(r as Record<string, JsonTree>)),
  chatMessage.map((message) => obj({ type: str('message'), message })),
  fc.record({ type: fc.constant(str('notice')), room: text(10), event: fc.constantFrom('join', 'leave').map(str), user: text(10), ts: id }).map(obj),
  fc.record({ type: fc.constant(str('presence')), event: fc.constantFrom('online', 'offline').map(str), user: text(10), ts: id }).map(obj),
  text(50).map((reason) => obj({ type: str('bye'), reason })),
);

// ------------------------------------------------------------- properties

const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.json({ maxDepth: 3 }));

test('decodeRequest: any string', async () => {
  await checkProperty('schema: decodeRequest on any string', fc.property(anyText, checkRequest), { runs: 600, seed: 0x5eed31 });
});

test('decodeRequest: any JSON value, "__proto__" and "constructor" keys included', async () => {
  await checkProperty(
    'schema: decodeRequest on any JSON value',
    fc.property(jsonTree, (tree) => checkRequest(serialise(tree))),
    { runs: 600, seed: 0x5eed32 },
  );
});

test('decodeRequest: valid and near-valid requests', async () => {
  await checkProperty(
    'schema: decodeRequest on near-valid requests',
    fc.property(nearValid(validRequest), (tree) => checkRequest(serialise(tree))),
    { runs: 900, seed: 0x5eed33 },
  );
});

test('decodeServerMessage: any string and any JSON value', async () => {
  await checkProperty(
    'schema: decodeServerMessage on any string or JSON value',
    fc.property(fc.oneof(anyText, jsonTree.map(serialise)), checkServerMessage),
    { runs: 900, seed: 0x5eed34 },
  );
});

test('decodeServerMessage: valid and near-valid server messages', async () => {
  await checkProperty(
    'schema: decodeServerMessage on near-valid messages',
    fc.property(nearValid(validServerMessage), (tree) => checkServerMessage(serialise(tree))),
    { runs: 900, seed: 0x5eed35 },
  );
});

test('deeply nested values are refused with a ProtocolError, not a stack overflow', () => {
  for (const depth of [1_000, 20_000]) {
    for (const key of ['type', 'id', 'username', 'body']) {
      const nested = '['.repeat(depth) + ']'.repeat(depth);
      const request = `{"id":1,"type":"send","room":"general","body":"x",${JSON.stringify(key)}:${nested}}`;
      checkRequest(request);
      checkServerMessage(`{"type":"bye",${JSON.stringify(key === 'body' ? 'reason' : key)}:${nested}}`);
    }
  }
});

// Regressions found by the properties above: an unknown `type` was turned into
// a string with String(), which runs the value's own conversion.
test('regression: a type that cannot be converted to a string is unknown_type, not a TypeError', () => {
  for (const type of ['{"toString":null}', '{"toString":1,"valueOf":1}', '[{"toString":null}]', '{"__proto__":null}']) {
    const text = `{"type":${type},"id":928905528,"token":"r*N9oo/=,;"}`;
    checkRequest(text);
    assert.throws(() => decodeRequest(text), (error: unknown) => error instanceof ProtocolError && error.code === 'unknown_type' && error.requestId === 928905528);
  }
});

test('regression: a result whose fields have the wrong types is refused by the client', () => {
  for (const text of [
    '{"type":"result","id":9007199254740991,"for":"ping","result":{"ts":null}}',
    '{"type":"result","id":1,"for":"login","result":{}}',
    '{"type":"result","id":1,"for":"constructor","result":{}}',
    '{"type":"notice","user":"bob","event":"join"}',
    '{"type":"presence","user":"bob","event":"exploded","ts":1}',
    '{"type":"error","code":"no_such_code","message":"x"}',
    '{"type":"message","message":{"id":1,"room":"r","from":"f","body":"b","ts":1e400}}',
  ]) {
    checkServerMessage(text);
    assert.throws(() => decodeServerMessage(text), (error: unknown) => error instanceof ProtocolError && error.code === 'bad_request', text);
  }
});

// Regression (found by the server fuzz): a refused request's negative id was
// echoed on the error, which the client then could not decode.
test('regression: an invalid id is not echoed, so every error reply decodes', () => {
  const text = '{"type":"history","room":"general","limit":4,"id":508,"message":1.5,"id":-1}';
  checkRequest(text);
  assert.throws(() => decodeRequest(text), (error: unknown) => error instanceof ProtocolError && error.requestId === undefined);
  for (const id of ['-1', '-0', '1.5', '9007199254740993', '"7"']) {
    let requestId: number | undefined;
    try {
      decodeRequest(`{"type":"nope","id":${id}}`);
    } catch (error) {
      requestId = (error as ProtocolError).requestId;
    }
    const reply = JSON.stringify({ type: 'error', code: 'bad_request', message: 'x', ...(requestId === undefined ? {} : { id: requestId }) });
    assert.doesNotThrow(() => decodeServerMessage(reply), reply);
  }
});

// Regression (found by the BLNS usernames over the wire): a well-formed
// request whose username, password, token or room name is over the parsing
// bound was a protocol error that closed the connection, where the handler
// would have refused it with its own code.
test('regression: a text field over its bound is refused with the handler\'s code', () => {
  const long = (n: number) => JSON.stringify('x'.repeat(n));
  const cases: Array<[string, ErrorCode]> = [
    [`{"type":"register","id":1,"username":${long(257)},"password":"correct horse"}`, 'invalid_username'],
    [`{"type":"register","id":1,"username":"bob","password":${long(4097)}}`, 'invalid_password'],
    [`{"type":"login","id":1,"username":${long(257)},"password":"x"}`, 'invalid_credentials'],
    [`{"type":"resume","id":1,"token":${long(129)}}`, 'invalid_token'],
    [`{"type":"join","id":1,"room":${long(257)}}`, 'invalid_room'],
    // Shape still comes first: a missing password is malformed, whatever the username.
    [`{"type":"register","id":1,"username":${long(257)}}`, 'bad_request'],
  ];
  for (const [text, code] of cases) {
    checkRequest(text);
    assert.throws(() => decodeRequest(text), (error: unknown) => error instanceof ProtocolError && error.code === code && error.requestId === 1, text.slice(0, 60));
  }
});
