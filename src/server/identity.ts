// The server's static Noise key is its identity: created on first start,
// kept in the data folder with owner-only permissions, and refused when
// anyone else can read it (as OpenSSH refuses a private key that is too open).

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf } from '../net/fingerprint.ts';
import { type KeyPair, generateKeyPair, keyPairFromPrivate } from '../net/noise/index.ts';

export const IDENTITY_FILE = 'server-identity.json';

export interface ServerIdentity {
  keyPair: KeyPair;
  fingerprint: string;
  file: string;
  created: boolean;
}

export function loadOrCreateIdentity(dataDir: string): ServerIdentity {
  const file = join(dataDir, IDENTITY_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const keyPair = generateKeyPair();
    const record = { version: 1, privateKey: Buffer.from(keyPair.privateKey).toString('base64') };
    // 'wx': never overwrite an identity another process created meanwhile.
    writeFileSync(file, JSON.stringify(record) + '\n', { mode: 0o600, flag: 'wx' });
    return { keyPair, fingerprint: fingerprintOf(keyPair.publicKey), file, created: true };
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `${file} is readable by other users (mode ${mode.toString(8)}); it holds the server's private key. ` +
        `Fix it with: chmod 600 ${file}`,
    );
  }
  const record = JSON.parse(text) as { privateKey?: unknown };
  if (typeof record.privateKey !== 'string') throw new Error(`${file} has no privateKey`);
  const privateKey = Buffer.from(record.privateKey, 'base64');
  if (privateKey.length !== 32) throw new Error(`${file}: the private key must be 32 bytes`);
  const keyPair = keyPairFromPrivate(new Uint8Array(privateKey));
  return { keyPair, fingerprint: fingerprintOf(keyPair.publicKey), file, created: false };
}
