// One server per data folder: the store lives in one process's memory, so a
// second server on the same folder would fork its history. The lock is a file
// holding the owner's pid, created exclusively; a lock whose process is gone
// (a crash, kill -9) is taken over.

import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'server.lock';

export interface DataLock {
  release(): void;
}

/** Whether `pid` is alive and, where /proc tells, a Node process (a pid reused after a reboot is not ours). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /node|securechat/.test(command);
  } catch {
    return true; // no /proc: trust the pid
  }
}

export function lockDataDir(dataDir: string): DataLock {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return {
        release: () => {
          try {
            if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
      throw new Error(`another securechat server (pid ${owner}) is using ${dataDir}; stop it first`);
    }
    if (owner === process.pid) {
      throw new Error(`this process already runs a server on ${dataDir}`);
    }
    unlinkSync(file); // left by a server that died
  }
  throw new Error(`could not lock ${dataDir}`);
}
