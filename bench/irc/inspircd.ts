// InspIRCd 3 (Debian's `inspircd` package) as the benchmark's peer: its own
// config in a temp folder (written from irc/inspircd.conf.template), a
// self-signed ECDSA certificate for ssl_gnutls made with openssl, started in
// the foreground (--nofork) as root (--runasroot, which InspIRCd requires
// when run by root, as the harness is here).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export const INSPIRCD = '/usr/sbin/inspircd';

export interface Inspircd {
  port: number;
  pid: number;
  /** SHA-256 of the certificate (DER), as Node's getPeerCertificate().fingerprint256 shows it. */
  fingerprint256: string;
  version: string;
  rss(): number;
  stop(): Promise<void>;
}

/** Why InspIRCd cannot run here, or undefined when it can. */
export function inspircdMissing(): string | undefined {
  if (!existsSync(INSPIRCD)) return `${INSPIRCD} is not installed (apt-get install inspircd)`;
  if (!existsSync('/usr/lib/inspircd/modules/m_ssl_gnutls.so')) return 'the ssl_gnutls module of inspircd is missing';
  if (spawnSync('openssl', ['version']).status !== 0) return 'openssl is not installed (needed for the certificate)';
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`inspircd exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`inspircd did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startInspircd(dir: string, templateFile: string): Promise<Inspircd> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=bench.irc.local'],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
  const x509 = new X509Certificate(readFileSync(cert));
  const fingerprint256 = createHash('sha256').update(x509.raw).digest('hex').toUpperCase().match(/../g)!.join(':');
  const port = await freePort();
  const motd = join(dir, 'motd.txt');
  writeFileSync(motd, 'securechat benchmark peer\n');
  const config = readFileSync(templateFile, 'utf8')
    .replaceAll('@DIR@', dir)
    .replaceAll('@PORT@', String(port))
    .replaceAll('@CERT@', cert)
    .replaceAll('@KEY@', key)
    .replaceAll('@MOTD@', motd);
  const configFile = join(dir, 'inspircd.conf');
  writeFileSync(configFile, config);
  const version = spawnSync(INSPIRCD, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const child = spawn(INSPIRCD, ['--runasroot', '--nofork', `--config=${configFile}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitForPort(port, child, 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${output.slice(-2000)}`);
  }
  const pid = child.pid!;
  return {
    port,
    pid,
    fingerprint256,
    version,
    rss: () => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
      return kib * 1024;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** CPU time (user + system, ms) of a process, from /proc. */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}
