// A server's identity as people compare it: SHA-256 of its static public key,
// written like OpenSSH's (`SHA256:` + unpadded base64).
import { createHash } from 'node:crypto';

export function fingerprintOf(publicKey: Uint8Array): string {
  return 'SHA256:' + createHash('sha256').update(publicKey).digest('base64').replace(/=+$/, '');
}

/** Accepts a fingerprint as pasted: with or without the prefix, surrounding spaces ignored. */
export function normaliseFingerprint(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith('SHA256:') ? trimmed : `SHA256:${trimmed}`;
}
