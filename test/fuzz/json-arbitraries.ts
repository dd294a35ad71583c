// JSON texts for fuzzing the decoders of src/net/schema.ts: trees serialised
// by hand, so that keys such as "__proto__" really appear in the text (an
// object built in JavaScript cannot carry them reliably), with numbers that
// JSON.parse turns into -0, Infinity or unsafe integers, and near-valid
// messages made by mutating a valid one.

import fc from 'fast-check';

export type JsonTree =
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  | { t: 'num'; v: number }
  | { t: 'rawnum'; v: string }
  | { t: 'str'; v: string }
  | { t: 'arr'; v: JsonTree[] }
  | { t: 'obj'; v: [string, JsonTree][] };

/** Keys the decoders read, and keys that reach prototypes. */
export const INTERESTING_KEYS = [
  'type', 'id', 'username', 'password', 'token', 'room', 'body', 'before', 'after', 'limit',
  'result', 'for', 'code', 'message', 'reason', 'user', 'event', 'ts', 'retryAfterMs',
  'rooms', 'online', 'history', 'messages', 'more', 'members', 'joined', 'name', 'from', 'expiresAt',
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then',
] as const;

export const TYPES = [
  'register', 'login', 'resume', 'logout', 'send', 'join', 'leave', 'rooms', 'users', 'history', 'ping',
  'result', 'error', 'message', 'notice', 'presence', 'bye', '__proto__', 'constructor', 'toString',
] as const;

/** Strings that exercise the text paths: escapes, surrogates, controls, bidi. */
const trickyString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', '\u0000', '\ud800', '\udfff', 'a\ud83d', '\u202e', '\u200b', 'x'.repeat(300), '\\', '"'),
);

const rawNumbers = ['-0', '1e400', '-1e400', '9007199254740993', '1.5', '0.0', '1E2', '-1', '1e-400'];

export const jsonTree: fc.Arbitrary<JsonTree> = fc.letrec<{ tree: JsonTree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant({ t: 'null' as const }),
    fc.boolean().map((v) => ({ t: 'bool' as const, v })),
    fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, 1, -1, 2 ** 53, 2 ** 53 - 1)).map((v) => ({ t: 'num' as const, v })),
    fc.constantFrom(...rawNumbers).map((v) => ({ t: 'rawnum' as const, v })),
    fc.oneof(trickyString, fc.constantFrom(...TYPES)).map((v) => ({ t: 'str' as const, v })),
    fc.array(tie('tree'), { maxLength: 4 }).map((v) => ({ t: 'arr' as const, v })),
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...INTERESTING_KEYS), trickyString), tie('tree')), { maxLength: 6 })
      .map((v) => ({ t: 'obj' as const, v })),
  ),
})).tree;

export function serialise(tree: JsonTree): string {
  switch (tree.t) {
    case 'null':
      return 'null';
    case 'bool':
      return String(tree.v);
    case 'num':
      return JSON.stringify(tree.v); // NaN and Infinity become null, as JSON has no such numbers
    case 'rawnum':
      return tree.v;
    case 'str':
      return JSON.stringify(tree.v);
    case 'arr':
      return `[${tree.v.map(serialise).join(',')}]`;
    case 'obj':
      return `{${tree.v.map(([k, v]) => `${JSON.stringify(k)}:${serialise(v)}`).join(',')}}`;
  }
}

export const str = (v: string): JsonTree => ({ t: 'str', v });
export const num = (v: number): JsonTree => ({ t: 'num', v });
export const bool = (v: boolean): JsonTree => ({ t: 'bool', v });
export const arr = (...v: JsonTree[]): JsonTree => ({ t: 'arr', v });
export const obj = (entries: Record<string, JsonTree>): JsonTree => ({ t: 'obj', v: Object.entries(entries) });

/** Changes one member of an object tree: drop it, replace its value, or add a key (a duplicate or a prototype name). */
export function mutateObject(tree: JsonTree): fc.Arbitrary<JsonTree> {
  if (tree.t !== 'obj' || tree.v.length === 0) return fc.constant(tree);
  const entries = tree.v;
  return fc.oneof(
    fc.nat(entries.length - 1).map((i) => ({ t: 'obj' as const, v: entries.filter((_, j) => j !== i) })),
    fc.tuple(fc.nat(entries.length - 1), jsonTree).map(([i, value]) => ({
      t: 'obj' as const,
      v: entries.map(([k, v], j): [string, JsonTree] => [k, j === i ? value : v]),
    })),
    fc.tuple(fc.constantFrom(...INTERESTING_KEYS), jsonTree, fc.boolean()).map(([key, value, first]) => ({
      t: 'obj' as const,
      v: first ? [[key, value] as [string, JsonTree], ...entries] : [...entries, [key, value] as [string, JsonTree]],
    })),
  );
}

/** A valid tree mutated 0 to 3 times, nested members included. */
export function nearValid(valid: fc.Arbitrary<JsonTree>): fc.Arbitrary<JsonTree> {
  const once = (tree: JsonTree): fc.Arbitrary<JsonTree> => {
    if (tree.t !== 'obj') return fc.constant(tree);
    const nested = tree.v.map(([, v], i) => [v, i] as const).filter(([v]) => v.t === 'obj');
    if (nested.length === 0) return mutateObject(tree);
    return fc.oneof(
      mutateObject(tree),
      fc.constantFrom(...nested).chain(([child, i]) =>
        once(child).map((changed) => ({
          t: 'obj' as const,
          v: tree.v.map(([k, v], j): [string, JsonTree] => [k, j === i ? changed : v]),
        })),
      ),
    );
  };
  return fc
    .tuple(valid, fc.nat(3))
    .chain(([tree, times]) => {
      let arbitrary = fc.constant(tree);
      for (let k = 0; k < times; k++) arbitrary = arbitrary.chain(once);
      return arbitrary;
    });
}
