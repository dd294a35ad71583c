// Trust on first use, as SSH's known_hosts: the first key a client sees for a
// host:port is pinned in a small JSON file (mode 0600); any later key for the
// same address must match it.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface PinnedServer {
  fingerprint: string;
  firstSeen: string;
}

export type PinCheck =
  | { status: 'match' }
  | { status: 'new' }
  | { status: 'mismatch'; expected: string };

export class KnownServers {
  constructor(readonly file: string) {}

  static address(host: string, port: number): string {
    return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  }

  check(address: string, fingerprint: string): PinCheck {
    const pinned = this.read()[address];
    if (!pinned) return { status: 'new' };
    return pinned.fingerprint === fingerprint ? { status: 'match' } : { status: 'mismatch', expected: pinned.fingerprint };
  }

  pin(address: string, fingerprint: string): void {
    const pins = this.read();
    pins[address] = { fingerprint, firstSeen: new Date().toISOString() };
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(pins, null, 2) + '\n', { mode: 0o600 });
    renameSync(temp, this.file);
  }

  private read(): Record<string, PinnedServer> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`${this.file} is not a JSON object; remove it to start over`);
    }
    return parsed as Record<string, PinnedServer>;
  }
}
