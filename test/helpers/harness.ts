// Real servers on loopback port 0 with their data in a temp folder, and
// clients with their own pin files: what every integration test starts from.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient, type ClientOptions } from '../../src/net/client.ts';
import type { LogFields } from '../../src/server/log.ts';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server/server.ts';

export interface TestServer {
  server: RunningServer;
  dataDir: string;
  logs: LogFields[];
  /** A client with a fresh pin file, connected (not logged in). */
  client(options?: Partial<ClientOptions>): Promise<ChatClient>;
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'securechat-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const root = tempDir();
  const dataDir = join(root, 'server');
  const logs: LogFields[] = [];
  const clients: ChatClient[] = [];
  const serverOptions: ServerOptions = {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    log: (event, fields = {}) => logs.push({ event, ...fields }),
    ...options,
  };
  const harness: TestServer = {
    server: await startServer(serverOptions),
    dataDir,
    logs,
    async client(clientOptions = {}) {
      const client = new ChatClient({
        host: '127.0.0.1',
        port: harness.server.port,
        knownServersFile: join(tempDir('securechat-client-'), 'known_servers.json'),
        ...clientOptions,
      });
      client.on('error', () => {});
      clients.push(client);
      await client.connect();
      return client;
    },
    async restart() {
      await harness.server.stop();
      // Same port, so that clients reconnect to the same address.
      harness.server = await startServer({ ...serverOptions, port: harness.server.port });
    },
    async cleanup() {
      clients.forEach((client) => client.close());
      await harness.server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Resolves with the next event of that name (and its arguments). */
export function nextEvent<T extends unknown[]>(
  emitter: { once(event: string, listener: (...args: T) => void): unknown },
  event: string,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" event within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (...args: T) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** Polls until the condition holds. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Resolves when `client` hears that `user` came online or went offline
 * (other presence is ignored). Presence is announced per interval and a
 * sign-in undone within one is never announced: a test that logs out right
 * after logging in waits for the `online` first.
 */
export function heardPresence(
  client: { on(event: 'presence', listener: (presence: { event: string; user: string }) => void): unknown; off(event: 'presence', listener: (presence: { event: string; user: string }) => void): unknown },
  user: string,
  event: 'online' | 'offline',
  timeoutMs = 10_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = (presence: { event: string; user: string }) => {
      if (presence.user !== user || presence.event !== event) return;
      clearTimeout(timer);
      client.off('presence', listener);
      resolve();
    };
    const timer = setTimeout(() => {
      client.off('presence', listener);
      reject(new Error(`no "${user} ${event}" presence within ${timeoutMs} ms`));
    }, timeoutMs);
    client.on('presence', listener);
  });
}
