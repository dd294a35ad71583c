// Connecting with trust on first use, as SSH does. The client library pins a
// new key by itself during the handshake; the terminal client wants to ask
// first. So a first contact (and a reset with --fingerprint) goes through a
// probe: a throwaway connection, with a throwaway pin file, that learns the
// server's key and sends nothing else. Once the person (or the script) has
// accepted it, the real client connects with that fingerprint required, so
// the key cannot change between the question and the session.

import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientSettings } from '../../config/settings.ts';
import { ChatClient } from '../../net/client.ts';
import { normaliseFingerprint } from '../../net/fingerprint.ts';
import { KnownServers } from '../../net/known-servers.ts';

export interface TrustEvents {
  /**
   * First contact with no fingerprint given: return true to pin `fingerprint`.
   * Absent: pin without asking (scripted mode).
   */
  confirmNewKey?: (address: string, fingerprint: string) => Promise<boolean>;
  /** A key was pinned (first contact) or a pin replaced (--fingerprint given for a changed key). */
  pinned: (info: { address: string; fingerprint: string; replaced: string | undefined; file: string }) => void;
}

/** The person declined the key on first contact. */
export class KeyNotTrusted extends Error {
  constructor(readonly address: string, readonly fingerprint: string) {
    super(`the key of ${address} was not trusted; nothing was sent`);
    this.name = 'KeyNotTrusted';
  }
}

export interface Connected {
  client: ChatClient;
  address: string;
  fingerprint: string;
}

function newClient(settings: ClientSettings, knownServersFile: string, fingerprint: string | undefined): ChatClient {
  return new ChatClient({
    host: settings.host,
    port: settings.port,
    knownServersFile,
    ...(fingerprint !== undefined ? { fingerprint } : {}),
  });
}

/** Connects once, without pinning anything in the real file, and hangs up: the server's fingerprint. */
async function probe(settings: ClientSettings, fingerprint: string | undefined): Promise<string> {
  const scratch = join(settings.home, `.probe-${process.pid}-${randomBytes(4).toString('hex')}.json`);
  const client = newClient(settings, scratch, fingerprint);
  client.on('error', () => {}); // a probe reports through connect()'s rejection
  try {
    return (await client.connect()).fingerprint;
  } finally {
    client.close();
    rmSync(scratch, { force: true });
  }
}

function pinnedKey(pins: KnownServers, address: string): string | undefined {
  // check() against an impossible fingerprint tells "nothing pinned" from "pinned to X".
  const check = pins.check(address, '');
  return check.status === 'mismatch' ? check.expected : undefined;
}

/**
 * Connects and checks the server's key; rejects with ServerKeyMismatchError
 * (before anything is sent) or KeyNotTrusted, or with the socket error.
 * The returned client has its 'error' listener still to be attached by the
 * caller; a no-op one guards the time in between.
 */
export async function connectTrusted(settings: ClientSettings, trust: TrustEvents): Promise<Connected> {
  const pins = new KnownServers(settings.knownServersFile);
  const address = KnownServers.address(settings.host, settings.port);
  const pinned = pinnedKey(pins, address);
  let required = settings.fingerprint === undefined ? undefined : normaliseFingerprint(settings.fingerprint);

  if (required !== undefined && pinned !== undefined && pinned !== required) {
    // A fingerprint given by hand for a server whose pin differs: the person
    // says the key changed. Believe it only if the server proves that key.
    await probe(settings, required);
    pins.pin(address, required);
    trust.pinned({ address, fingerprint: required, replaced: pinned, file: pins.file });
  } else if (required === undefined && pinned === undefined && trust.confirmNewKey !== undefined) {
    const seen = await probe(settings, undefined);
    if (!(await trust.confirmNewKey(address, seen))) throw new KeyNotTrusted(address, seen);
    required = seen;
  }

  const client = newClient(settings, settings.knownServersFile, required);
  const guard = (): void => {};
  client.on('error', guard);
  try {
    const { fingerprint, firstContact } = await client.connect();
    if (firstContact) trust.pinned({ address, fingerprint, replaced: undefined, file: pins.file });
    return { client, address, fingerprint };
  } catch (error) {
    client.close();
    throw error;
  } finally {
    client.off('error', guard);
  }
}
