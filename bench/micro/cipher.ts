// Micro-benchmark behind "What limits the figures" in bench/README.md: the cost of
// encrypting one small transport message with the project's Noise
// CipherState (src/net/noise) against the least node:crypto can do for the
// same ChaCha20-Poly1305 encryption (one createCipheriv, update, final,
// getAuthTag; no AAD call for an empty AD; no extra copies), and the same
// for decryption. Both produce the same bytes (checked).
// Usage: node --import tsx bench/micro/cipher.ts [BYTES] [N]

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CipherState } from '../../src/net/noise/cipher-state.ts';
import { ChaChaPoly } from '../../src/net/noise/cipher.ts';

const bytes = Number(process.argv[2] ?? 150);
const n = Number(process.argv[3] ?? 200_000);
const key = randomBytes(32);
const plaintext = randomBytes(bytes);
const EMPTY = new Uint8Array(0);

function leanEncrypt(k: Buffer, counter: number, message: Uint8Array): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32LE(counter >>> 0, 4);
  nonce.writeUInt32LE(Math.floor(counter / 2 ** 32), 8);
  const cipher = createCipheriv('chacha20-poly1305', k, nonce, { authTagLength: 16 });
  const out = Buffer.allocUnsafe(message.length + 16);
  cipher.update(message).copy(out, 0);
  cipher.final();
  cipher.getAuthTag().copy(out, message.length);
  return out;
}

function leanDecrypt(k: Buffer, counter: number, ciphertext: Uint8Array): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32LE(counter >>> 0, 4);
  nonce.writeUInt32LE(Math.floor(counter / 2 ** 32), 8);
  const decipher = createDecipheriv('chacha20-poly1305', k, nonce, { authTagLength: 16 });
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const out = decipher.update(ciphertext.subarray(0, ciphertext.length - 16));
  decipher.final();
  return out;
}

function time(label: string, run: () => void): number {
  run(); // warm up
  const t0 = performance.now();
  run();
  const us = ((performance.now() - t0) * 1000) / n;
  process.stdout.write(`${label.padEnd(44)} ${us.toFixed(2).padStart(7)} µs/message\n`);
  return us;
}

// Same bytes from both paths.
const check = new CipherState(ChaChaPoly, key).encryptWithAd(EMPTY, plaintext);
if (!Buffer.from(check).equals(leanEncrypt(key, 0, plaintext))) throw new Error('the lean path differs from CipherState');

process.stdout.write(`${bytes}-byte messages, ${n.toLocaleString('en-US')} each, Node ${process.version}, OpenSSL ${process.versions.openssl}\n`);
const project = time('encrypt: CipherState.encryptWithAd (project)', () => {
  const state = new CipherState(ChaChaPoly, key);
  for (let i = 0; i < n; i++) state.encryptWithAd(EMPTY, plaintext);
});
const lean = time('encrypt: node:crypto, minimal calls', () => {
  for (let i = 0; i < n; i++) leanEncrypt(key, i, plaintext);
});
const sealed = Array.from({ length: n }, (_, i) => leanEncrypt(key, i, plaintext));
const projectDecrypt = time('decrypt: CipherState.decryptWithAd (project)', () => {
  const state = new CipherState(ChaChaPoly, key);
  for (let i = 0; i < n; i++) state.decryptWithAd(EMPTY, sealed[i]!);
});
const leanDecryptUs = time('decrypt: node:crypto, minimal calls', () => {
  for (let i = 0; i < n; i++) leanDecrypt(key, i, sealed[i]!);
});
process.stdout.write(`encrypt ${(project / lean).toFixed(2)}× the minimum, decrypt ${(projectDecrypt / leanDecryptUs).toFixed(2)}×\n`);
