// Handshake patterns (Noise spec §7): the one-way (§7.4) and interactive
// (§7.5) base patterns. Messages alternate, the initiator's first (§7.1).

export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss';
export type PreMessageToken = 'e' | 's';

export interface HandshakePattern {
  readonly name: string;
  /** Public keys each side knows of the other before the handshake. */
  readonly preMessages: {
    readonly initiator: readonly PreMessageToken[];
    readonly responder: readonly PreMessageToken[];
  };
  /** messages[0] is initiator -> responder, messages[1] the reply, and so on. */
  readonly messages: readonly (readonly Token[])[];
  /** One-way patterns: only the initiator ever sends (§7.4). */
  readonly oneWay: boolean;
}

function pattern(
  name: string,
  initiator: PreMessageToken[],
  responder: PreMessageToken[],
  messages: Token[][],
): HandshakePattern {
  return { name, preMessages: { initiator, responder }, messages, oneWay: name.length === 1 };
}

export const PATTERNS: ReadonlyMap<string, HandshakePattern> = new Map(
  [
    pattern('N', [], ['s'], [['e', 'es']]),
    pattern('K', ['s'], ['s'], [['e', 'es', 'ss']]),
    pattern('X', [], ['s'], [['e', 'es', 's', 'ss']]),
    pattern('NN', [], [], [['e'], ['e', 'ee']]),
    pattern('NK', [], ['s'], [['e', 'es'], ['e', 'ee']]),
    pattern('NX', [], [], [['e'], ['e', 'ee', 's', 'es']]),
    pattern('KN', ['s'], [], [['e'], ['e', 'ee', 'se']]),
    pattern('KK', ['s'], ['s'], [['e', 'es', 'ss'], ['e', 'ee', 'se']]),
    pattern('KX', ['s'], [], [['e'], ['e', 'ee', 'se', 's', 'es']]),
    pattern('XN', [], [], [['e'], ['e', 'ee'], ['s', 'se']]),
    pattern('XK', [], ['s'], [['e', 'es'], ['e', 'ee'], ['s', 'se']]),
    pattern('XX', [], [], [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']]),
    pattern('IN', [], [], [['e', 's'], ['e', 'ee', 'se']]),
    pattern('IK', [], ['s'], [['e', 'es', 's', 'ss'], ['e', 'ee', 'se']]),
    pattern('IX', [], [], [['e', 's'], ['e', 'ee', 'se', 's', 'es']]),
  ].map((p) => [p.name, p]),
);
