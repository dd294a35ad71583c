// HandshakeState (Noise spec §5.3): runs a handshake pattern's tokens over a
// SymmetricState and splits into two transport CipherStates at the end.

import { ChannelError } from '../errors.ts';
import { MAX_NOISE_MESSAGE } from '../limits.ts';
import { TAGLEN } from './cipher.ts';
import type { CipherState } from './cipher-state.ts';
import { DHLEN, dh, generateKeyPair, type KeyPair } from './dh.ts';
import type { PreMessageToken, Token } from './patterns.ts';
import { parseProtocolName, type NoiseProtocol } from './protocol-name.ts';
import { SymmetricState } from './symmetric-state.ts';

export interface HandshakeOptions {
  /** e.g. 'Noise_NX_25519_ChaChaPoly_SHA256' */
  protocolName: string;
  initiator: boolean;
  prologue: Uint8Array;
  /** Local static key pair. */
  s?: KeyPair;
  /** Local ephemeral key pair: injected only by tests (otherwise generated). */
  e?: KeyPair;
  /** Remote static public key known before the handshake (pre-message). */
  rs?: Uint8Array;
  /** Remote ephemeral public key known before the handshake (pre-message). */
  re?: Uint8Array;
}

function fail(message: string): ChannelError {
  return new ChannelError('handshake_failed', message);
}

function copyKeyPair(pair: KeyPair | undefined, what: string): KeyPair | undefined {
  if (pair === undefined) return undefined;
  if (pair.publicKey.length !== DHLEN || pair.privateKey.length !== DHLEN) {
    throw new RangeError(`${what} keys must be ${DHLEN} bytes`);
  }
  const { publicKey, privateKey } = pair;
  return { publicKey: Uint8Array.from(publicKey), privateKey: Uint8Array.from(privateKey) };
}

function copyPublicKey(key: Uint8Array | undefined, what: string): Uint8Array | undefined {
  if (key === undefined) return undefined;
  if (key.length !== DHLEN) throw new RangeError(`${what} must be ${DHLEN} bytes`);
  return Uint8Array.from(key);
}

export class HandshakeState {
  readonly protocol: NoiseProtocol;
  readonly initiator: boolean;
  #symmetricState: SymmetricState;
  #s: KeyPair | undefined;
  #e: KeyPair | undefined;
  #rs: Uint8Array | undefined;
  #re: Uint8Array | undefined;
  /** Index of the next message pattern to write or read. */
  #next = 0;
  #failed = false;
  #cipherStates: [CipherState, CipherState] | undefined;

  /**
   * Initialize() of §5.3. Throws UnsupportedProtocolError for a name it
   * does not support, TypeError when the pattern needs a key not given.
   */
  constructor(options: HandshakeOptions) {
    this.protocol = parseProtocolName(options.protocolName);
    this.initiator = options.initiator;
    this.#s = copyKeyPair(options.s, 's');
    this.#e = copyKeyPair(options.e, 'e');
    this.#rs = copyPublicKey(options.rs, 'rs');
    this.#re = copyPublicKey(options.re, 're');
    this.#checkKeys();

    const { cipher, hash, pattern } = this.protocol;
    this.#symmetricState = new SymmetricState(this.protocol.name, cipher, hash);
    this.#symmetricState.mixHash(options.prologue);
    // The initiator's pre-message keys are hashed first (§5.3).
    for (const token of pattern.preMessages.initiator) {
      this.#symmetricState.mixHash(this.#preMessageKey(token, this.initiator));
    }
    for (const token of pattern.preMessages.responder) {
      this.#symmetricState.mixHash(this.#preMessageKey(token, !this.initiator));
    }
  }

  isComplete(): boolean {
    return this.#next >= this.protocol.pattern.messages.length;
  }

  /** True when the next handshake message is ours to write. */
  isMyTurn(): boolean {
    return !this.isComplete() && this.#next % 2 === (this.initiator ? 0 : 1);
  }

  /** WriteMessage(payload, message_buffer): returns the handshake message. */
  writeMessage(payload: Uint8Array): Uint8Array {
    this.#checkTurn(true);
    const tokens = this.protocol.pattern.messages[this.#next] ?? [];
    const length = this.#messageLength(tokens, payload.length);
    if (length > MAX_NOISE_MESSAGE) {
      throw new ChannelError('message_too_large', `handshake message of ${length} bytes`);
    }
    return this.#guard(() => {
      const ss = this.#symmetricState;
      const out: Uint8Array[] = [];
      for (const token of tokens) {
        if (token === 'e') {
          this.#e ??= generateKeyPair();
          out.push(this.#e.publicKey);
          ss.mixHash(this.#e.publicKey);
        } else if (token === 's') {
          out.push(ss.encryptAndHash(this.#required(this.#s, 's').publicKey));
        } else {
          this.#mixDh(token);
        }
      }
      out.push(ss.encryptAndHash(payload));
      this.#advance();
      return new Uint8Array(Buffer.concat(out));
    });
  }

  /**
   * ReadMessage(message, payload_buffer): returns the payload. Throws
   * ChannelError('handshake_failed') on a short, long or unauthenticated
   * message; the handshake cannot go on after that.
   */
  readMessage(message: Uint8Array): Uint8Array {
    this.#checkTurn(false);
    return this.#guard(() => {
      if (message.length > MAX_NOISE_MESSAGE) throw fail('handshake message over 65535 bytes');
      const ss = this.#symmetricState;
      let offset = 0;
      const take = (length: number): Uint8Array => {
        if (message.length - offset < length) throw fail('handshake message is truncated');
        const part = message.subarray(offset, offset + length);
        offset += length;
        return part;
      };
      for (const token of this.protocol.pattern.messages[this.#next] ?? []) {
        if (token === 'e') {
          this.#re = Uint8Array.from(take(DHLEN));
          ss.mixHash(this.#re);
        } else if (token === 's') {
          const length = DHLEN + (ss.cipherState.hasKey() ? TAGLEN : 0);
          this.#rs = ss.decryptAndHash(take(length));
        } else {
          this.#mixDh(token);
        }
      }
      if (ss.cipherState.hasKey() && message.length - offset < TAGLEN) {
        throw fail('handshake message is truncated');
      }
      const payload = ss.decryptAndHash(message.subarray(offset));
      this.#advance();
      return payload;
    });
  }

  /**
   * After completion: [initiator -> responder, responder -> initiator]. In a
   * one-way pattern only the first is used (§7.4).
   */
  split(): [CipherState, CipherState] {
    if (this.#cipherStates === undefined) throw fail('split() before the handshake completed');
    return this.#cipherStates;
  }

  /** h: the channel binding value once the handshake is complete (§11.2). */
  getHandshakeHash(): Uint8Array {
    return this.#symmetricState.getHandshakeHash();
  }

  getRemoteStaticPublicKey(): Uint8Array | undefined {
    return this.#rs === undefined ? undefined : Uint8Array.from(this.#rs);
  }

  #checkTurn(writing: boolean): void {
    if (this.#failed) throw fail('the handshake has already failed');
    if (this.isComplete()) throw fail('the handshake is already complete');
    if (this.isMyTurn() !== writing) {
      throw fail(writing ? 'not our turn to write' : 'not our turn to read');
    }
  }

  /** Any failure mid-message leaves h and ck half-mixed: poison the state. */
  #guard<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      this.#failed = true;
      if (error instanceof ChannelError && error.code === 'handshake_failed') throw error;
      if (error instanceof ChannelError && error.code === 'decrypt_failed') {
        throw fail('handshake message failed authentication');
      }
      const wrapped = fail(`handshake failed: ${error instanceof Error ? error.message : error}`);
      wrapped.cause = error;
      throw wrapped;
    }
  }

  #advance(): void {
    this.#next += 1;
    if (!this.isComplete()) return;
    this.#cipherStates = this.#symmetricState.split();
    // The ephemeral private key is no longer needed (§5.3: delete it).
    this.#e?.privateKey.fill(0);
    this.#e = undefined;
  }

  #mixDh(token: Exclude<Token, 'e' | 's'>): void {
    // es: initiator's e with responder's s; se: initiator's s with responder's e.
    const [localIsE, remoteIsE] =
      token === 'ee'
        ? [true, true]
        : token === 'ss'
          ? [false, false]
          : (token === 'es') === this.initiator
            ? [true, false]
            : [false, true];
    const local = localIsE ? this.#required(this.#e, 'e') : this.#required(this.#s, 's');
    const remote = remoteIsE ? this.#required(this.#re, 're') : this.#required(this.#rs, 'rs');
    let shared: Uint8Array;
    try {
      shared = dh(local, remote);
    } catch {
      throw fail(`${token}: the remote public key is invalid (low order)`);
    }
    this.#symmetricState.mixKey(shared);
  }

  #required<T>(key: T | undefined, name: string): T {
    if (key === undefined) throw fail(`the pattern needs ${name}, which is missing`);
    return key;
  }

  #preMessageKey(token: PreMessageToken, local: boolean): Uint8Array {
    if (local) return this.#required(token === 's' ? this.#s : this.#e, token).publicKey;
    return this.#required(token === 's' ? this.#rs : this.#re, `r${token}`);
  }

  /** Throws TypeError when a key the pattern needs up front was not given. */
  #checkKeys(): void {
    const { pattern } = this.protocol;
    const mine = this.initiator ? pattern.preMessages.initiator : pattern.preMessages.responder;
    const theirs = this.initiator ? pattern.preMessages.responder : pattern.preMessages.initiator;
    const missing: string[] = [];
    const sendsS = pattern.messages.some(
      (tokens, i) => i % 2 === (this.initiator ? 0 : 1) && tokens.includes('s'),
    );
    if ((mine.includes('s') || sendsS) && this.#s === undefined) missing.push('s');
    if (mine.includes('e') && this.#e === undefined) missing.push('e');
    if (theirs.includes('s') && this.#rs === undefined) missing.push('rs');
    if (theirs.includes('e') && this.#re === undefined) missing.push('re');
    if (missing.length > 0) {
      const role = this.initiator ? 'initiator' : 'responder';
      throw new TypeError(`${this.protocol.name} as ${role} needs ${missing.join(', ')}`);
    }
  }

  #messageLength(tokens: readonly Token[], payloadLength: number): number {
    let hasKey = this.#symmetricState.cipherState.hasKey();
    let length = 0;
    for (const token of tokens) {
      if (token === 'e') length += DHLEN;
      else if (token === 's') length += DHLEN + (hasKey ? TAGLEN : 0);
      else hasKey = true;
    }
    return length + payloadLength + (hasKey ? TAGLEN : 0);
  }
}
