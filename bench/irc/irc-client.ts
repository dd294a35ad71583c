// A small IRC client for load generation against InspIRCd: TLS (the server's
// self-signed certificate is pinned by its SHA-256 fingerprint, as securechat
// pins its server key), registration (NICK/USER, done at 001), JOIN (done at
// the end of NAMES, 366), PRIVMSG, and every received line parsed.

import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface IrcPrivmsg {
  from: string;
  target: string;
  text: string;
}

export class IrcClient {
  closed = false;
  onPrivmsg: (message: IrcPrivmsg) => void = () => {};
  onClose: () => void = () => {};
  /** Lines other than PRIVMSG, JOIN and numerics we wait for: counted by the worker. */
  onOther: (command: string) => void = () => {};
  private buffer = '';
  private waiters: Array<{ match: (command: string, params: string) => boolean; resolve: () => void; reject: (error: Error) => void }> = [];

  private constructor(
    readonly socket: TLSSocket,
    readonly nick: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('connection closed'));
      this.onClose();
    });
  }

  static async open(options: { port: number; localAddress: string; fingerprint256: string; nick: string; timeoutMs?: number }): Promise<IrcClient> {
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const tcp = netConnect({ host: '127.0.0.1', port: options.port, localAddress: options.localAddress, noDelay: true });
      tcp.once('error', reject);
      const socket = tlsConnect({
        socket: tcp,
        servername: 'bench.irc.local',
        // The certificate is self-signed: trust comes from its pinned fingerprint.
        rejectUnauthorized: false,
      });
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        const actual = socket.getPeerCertificate().fingerprint256;
        if (actual !== options.fingerprint256) {
          socket.destroy();
          reject(new Error(`certificate ${actual} is not the expected ${options.fingerprint256}`));
          return;
        }
        resolve(socket);
      });
      socket.once('error', reject);
    });
    const client = new IrcClient(socket, options.nick);
    const registered = client.waitFor((command) => command === '001', options.timeoutMs ?? 60_000);
    socket.write(`NICK ${options.nick}\r\nUSER ${options.nick} 0 * :benchmark client\r\n`);
    await registered;
    return client;
  }

  async join(channel: string, timeoutMs = 60_000): Promise<void> {
    const lower = channel.toLowerCase();
    const done = this.waitFor((command, params) => command === '366' && params.toLowerCase().split(' ')[1] === lower, timeoutMs);
    this.socket.write(`JOIN ${channel}\r\n`);
    await done;
  }

  privmsg(target: string, text: string): void {
    this.socket.write(`PRIVMSG ${target} :${text}\r\n`);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private waitFor(match: (command: string, params: string) => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.resolve !== done);
        reject(new Error('timeout'));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ match, resolve: done, reject: (error) => (clearTimeout(timer), reject(error)) });
    });
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.line(line);
    }
  }

  private line(line: string): void {
    // [:prefix] COMMAND params… [:trailing]
    let rest = line;
    let prefix = '';
    if (rest.startsWith(':')) {
      const space = rest.indexOf(' ');
      prefix = rest.slice(1, space);
      rest = rest.slice(space + 1);
    }
    const space = rest.indexOf(' ');
    const command = space < 0 ? rest : rest.slice(0, space);
    const params = space < 0 ? '' : rest.slice(space + 1);
    if (command === 'PRIVMSG') {
      const colon = params.indexOf(' :');
      this.onPrivmsg({ from: prefix.split('!')[0]!, target: params.slice(0, colon), text: params.slice(colon + 2) });
      return;
    }
    if (command === 'PING') {
      this.socket.write(`PONG ${params}\r\n`);
      return;
    }
    for (let i = 0; i < this.waiters.length; i++) {
      const waiter = this.waiters[i]!;
      if (waiter.match(command, params)) {
        this.waiters.splice(i, 1);
        waiter.resolve();
        return;
      }
    }
    this.onOther(command);
  }
}
