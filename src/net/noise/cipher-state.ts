// CipherState (Noise spec §5.1): a key k and a 64-bit nonce n.

import { ChannelError } from '../errors.ts';
import { AuthenticationError, KEYLEN, type CipherFunctions } from './cipher.ts';

/** 2^64-1 is reserved (§5.1): reaching it ends the CipherState. */
export const MAX_NONCE = 2n ** 64n - 1n;

const ZEROS = new Uint8Array(KEYLEN);
const EMPTY = new Uint8Array(0);

export class CipherState {
  #k: Uint8Array | undefined;
  #n = 0n;

  constructor(
    readonly cipher: CipherFunctions,
    k?: Uint8Array,
  ) {
    if (k !== undefined) this.initializeKey(k);
  }

  initializeKey(k: Uint8Array): void {
    if (k.length !== KEYLEN) throw new RangeError(`cipher key must be ${KEYLEN} bytes`);
    this.#k = Uint8Array.from(k);
    this.#n = 0n;
  }

  hasKey(): boolean {
    return this.#k !== undefined;
  }

  setNonce(n: bigint): void {
    if (n < 0n || n > MAX_NONCE) throw new RangeError('nonce out of range');
    this.#n = n;
  }

  /** The next nonce to be used. */
  getNonce(): bigint {
    return this.#n;
  }

  /** Throws ChannelError('nonce_exhausted') once n has reached 2^64-1. */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.#k === undefined) return Uint8Array.from(plaintext);
    this.#checkNonce();
    const ciphertext = this.cipher.encrypt(this.#k, this.#n, ad, plaintext);
    this.#n += 1n;
    return ciphertext;
  }

  /**
   * Throws ChannelError('decrypt_failed') when authentication fails; n is
   * then left unchanged, so the state stays usable (§5.1).
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.#k === undefined) return Uint8Array.from(ciphertext);
    this.#checkNonce();
    let plaintext: Uint8Array;
    try {
      plaintext = this.cipher.decrypt(this.#k, this.#n, ad, ciphertext);
    } catch (error) {
      if (error instanceof AuthenticationError) {
        throw new ChannelError('decrypt_failed', `message ${this.#n} failed authentication`);
      }
      throw error;
    }
    this.#n += 1n;
    return plaintext;
  }

  /** REKEY(k) as defined for both ciphers (§4.2); n is unchanged (§5.1, §11.3). */
  rekey(): void {
    if (this.#k === undefined) throw new Error('rekey without a key');
    this.#k = this.cipher.encrypt(this.#k, MAX_NONCE, EMPTY, ZEROS).subarray(0, KEYLEN);
  }

  #checkNonce(): void {
    if (this.#n >= MAX_NONCE) {
      throw new ChannelError('nonce_exhausted', 'nonce 2^64-1 reached: no more messages');
    }
  }
}
