// Provisioning for the securechat benchmarks, before the server starts:
//
// 1. ONE real password hash at the server's default cost (scrypt N=2^17,
//    r=8, p=1), shared by every benchmark account: they all have the same
//    password. Hashing per account would take an hour for 10,000.
// 2. The accounts go in through the operator's path, `securechat
//    import-users FILE` (JSON lines of username + encoded hash), run as its
//    own process on the stopped server's home.
// 3. A session per account, written to the store directly (the same
//    createSession a login performs): the load clients connect with
//    `resume` and a token, as a client does after a reconnect. Password
//    logins are measured on their own (they are bounded by scrypt).
// 4. Room memberships for the fan-out and latency rooms, also written to the
//    store directly (the same ensureRoom/addMember a `join` performs), so
//    that ten thousand joins and their notices are not part of the run.
//
// The store is single-process, so all this happens with no server running.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword, newSessionToken, SESSION_TTL_MS, validateRoomName } from '../../src/server/accounts/index.ts';
import { SqlJsStore } from '../../src/server/store/index.ts';

export const BENCH_PASSWORD = 'benchmark password, shared by every benchmark account';

export function benchUsername(index: number): string {
  return `bench${String(index).padStart(5, '0')}`;
}

export interface Provisioned {
  usernames: string[];
  tokens: string[];
  hashMs: number;
  importMs: number;
  sessionsMs: number;
}

const quiet = () => {};

/**
 * `accounts` accounts, and one session for each entry of `sessionOwners`
 * (an account index): tokens[i] belongs to account sessionOwners[i].
 */
export async function provision(options: {
  root: string;
  home: string;
  accounts: number;
  sessionOwners: number[];
  /** Extra room memberships by account index. */
  memberships?: Array<{ index: number; room: string }>;
  repo: string;
}): Promise<Provisioned> {
  let t = performance.now();
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const hashMs = performance.now() - t;

  const usernames = Array.from({ length: options.accounts }, (_, i) => benchUsername(i));
  const file = join(options.root, 'bench-users.jsonl');
  writeFileSync(file, usernames.map((username) => JSON.stringify({ username, passwordHash })).join('\n') + '\n');
  t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(options.repo, 'src/cli/main.ts'), 'import-users', '--home', options.home, file],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`import-users failed (${code}): ${stderr}`))));
  });
  const importMs = performance.now() - t;

  t = performance.now();
  const store = await SqlJsStore.open({ dir: join(options.home, 'server', 'store'), log: quiet });
  const tokens: string[] = [];
  try {
    const now = Date.now();
    const writes: Promise<void>[] = [];
    const ids = usernames.map((username) => {
      const user = store.userByKey(username);
      if (!user) throw new Error(`${username} was not imported`);
      return user.id;
    });
    for (const owner of options.sessionOwners) {
      const userId = ids[owner]!;
      const { token, tokenHash } = newSessionToken();
      tokens.push(token);
      writes.push(store.createSession({ tokenHash, userId, createdAt: now, expiresAt: now + SESSION_TTL_MS }));
    }
    const rooms = new Map<string, number>();
    for (const { room } of options.memberships ?? []) {
      if (rooms.has(room)) continue;
      const valid = validateRoomName(room);
      if (!valid.ok) throw new Error(`bad benchmark room name ${room}: ${valid.reason}`);
      rooms.set(room, (await store.ensureRoom(valid.name, valid.key, now)).id);
    }
    for (const { index, room } of options.memberships ?? []) writes.push(store.addMember(rooms.get(room)!, ids[index]!));
    await Promise.all(writes);
  } finally {
    await store.close();
  }
  return { usernames, tokens, hashMs, importMs, sessionsMs: performance.now() - t };
}
