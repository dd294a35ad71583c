// The Noise Protocol Framework (revision 34) on node:crypto primitives.

export { DHLEN, dh, generateKeyPair, keyPairFromPrivate, type KeyPair } from './dh.ts';
export {
  AESGCM,
  AuthenticationError,
  ChaChaPoly,
  CIPHERS,
  KEYLEN,
  TAGLEN,
  type CipherFunctions,
  type CipherName,
} from './cipher.ts';
export { HASHES, type HashFunctions, type HashName } from './hash.ts';
export { CipherState, MAX_NONCE } from './cipher-state.ts';
export { SymmetricState } from './symmetric-state.ts';
export { PATTERNS, type HandshakePattern, type PreMessageToken, type Token } from './patterns.ts';
export {
  parseProtocolName,
  UnsupportedProtocolError,
  type NoiseProtocol,
} from './protocol-name.ts';
export { HandshakeState, type HandshakeOptions } from './handshake-state.ts';
