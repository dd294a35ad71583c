// Protocol names (Noise spec §8): Noise_<pattern>_<DH>_<cipher>_<hash>.

import { CIPHERS, type CipherFunctions, type CipherName } from './cipher.ts';
import { HASHES, type HashFunctions, type HashName } from './hash.ts';
import { PATTERNS, type HandshakePattern } from './patterns.ts';

export interface NoiseProtocol {
  readonly name: string;
  readonly pattern: HandshakePattern;
  /** Only Curve25519 is supported: the DH functions live in dh.ts. */
  readonly dh: '25519';
  readonly cipher: CipherFunctions;
  readonly hash: HashFunctions;
}

/** The name is not one this implementation supports (or not a Noise name). */
export class UnsupportedProtocolError extends Error {
  constructor(
    readonly protocolName: string,
    readonly reason: string,
  ) {
    super(`unsupported Noise protocol ${JSON.stringify(protocolName)}: ${reason}`);
    this.name = 'UnsupportedProtocolError';
  }
}

export function parseProtocolName(name: string): NoiseProtocol {
  const parts = name.split('_');
  if (parts.length !== 5 || parts[0] !== 'Noise') {
    throw new UnsupportedProtocolError(name, 'expected Noise_<pattern>_<DH>_<cipher>_<hash>');
  }
  const [, patternName = '', dhName, cipherName = '', hashName = ''] = parts;
  const pattern = PATTERNS.get(patternName);
  if (pattern === undefined) {
    // Modifiers are lowercase suffixes such as psk0 or fallback (§8, §9, §10.2).
    const hasModifiers = /[a-z]/.test(patternName);
    throw new UnsupportedProtocolError(
      name,
      hasModifiers
        ? `pattern modifiers are not supported (${patternName})`
        : `unknown handshake pattern ${patternName}`,
    );
  }
  if (dhName !== '25519') throw new UnsupportedProtocolError(name, `DH ${dhName} is not supported`);
  const cipher = Object.hasOwn(CIPHERS, cipherName) ? CIPHERS[cipherName as CipherName] : undefined;
  if (cipher === undefined) {
    throw new UnsupportedProtocolError(name, `cipher ${cipherName} is not supported`);
  }
  const hash = Object.hasOwn(HASHES, hashName) ? HASHES[hashName as HashName] : undefined;
  if (hash === undefined) {
    throw new UnsupportedProtocolError(
      name,
      `hash ${hashName} is not supported${isKnownHash(hashName) ? ' by this node build' : ''}`,
    );
  }
  return { name, pattern, dh: '25519', cipher, hash };
}

function isKnownHash(name: string): boolean {
  return ['SHA256', 'SHA512', 'BLAKE2s', 'BLAKE2b'].includes(name);
}
