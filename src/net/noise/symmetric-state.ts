// SymmetricState (Noise spec §5.2): the chaining key ck, the handshake hash h
// and the CipherState keyed from ck.

import { KEYLEN, type CipherFunctions } from './cipher.ts';
import { CipherState } from './cipher-state.ts';
import type { HashFunctions } from './hash.ts';

export class SymmetricState {
  readonly cipherState: CipherState;
  #ck: Uint8Array;
  #h: Uint8Array;

  /** InitializeSymmetric(protocol_name). */
  constructor(
    protocolName: string,
    readonly cipher: CipherFunctions,
    readonly hash: HashFunctions,
  ) {
    const name = new TextEncoder().encode(protocolName);
    if (name.length <= hash.hashLen) {
      this.#h = new Uint8Array(hash.hashLen);
      this.#h.set(name);
    } else {
      this.#h = hash.hash(name);
    }
    this.#ck = this.#h;
    this.cipherState = new CipherState(cipher);
  }

  mixKey(inputKeyMaterial: Uint8Array): void {
    const [ck, tempK] = this.hash.hkdf(this.#ck, inputKeyMaterial, 2);
    this.#ck = ck;
    // With a 64-byte HASHLEN, temp_k is truncated to 32 bytes.
    this.cipherState.initializeKey(tempK.subarray(0, KEYLEN));
  }

  mixHash(data: Uint8Array): void {
    this.#h = this.hash.hash(this.#h, data);
  }

  getHandshakeHash(): Uint8Array {
    return Uint8Array.from(this.#h);
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipherState.encryptWithAd(this.#h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** Throws ChannelError('decrypt_failed') and leaves h unchanged on failure. */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipherState.decryptWithAd(this.#h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Split(): [initiator -> responder, responder -> initiator]. */
  split(): [CipherState, CipherState] {
    const [tempK1, tempK2] = this.hash.hkdf(this.#ck, new Uint8Array(0), 2);
    return [
      new CipherState(this.cipher, tempK1.subarray(0, KEYLEN)),
      new CipherState(this.cipher, tempK2.subarray(0, KEYLEN)),
    ];
  }
}
