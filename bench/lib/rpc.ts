// Request/response over a child process's IPC channel, for the harness's
// worker processes: the parent calls, the child answers; either side may
// also send one-way events (progress).

import { type ChildProcess, fork } from 'node:child_process';

interface Call {
  rpc: 'call';
  id: number;
  method: string;
  args: unknown;
}
interface Reply {
  rpc: 'reply';
  id: number;
  result?: unknown;
  error?: string;
}
interface Event {
  rpc: 'event';
  name: string;
  data: unknown;
}
type Envelope = Call | Reply | Event;

export class Peer {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private exited: Error | undefined;

  constructor(
    readonly child: ChildProcess,
    private readonly name: string,
    private readonly onEvent: (name: string, data: unknown) => void = () => {},
  ) {
    child.on('message', (message: Envelope) => {
      if (message.rpc === 'reply') {
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (!pending) return;
        if (message.error !== undefined) pending.reject(new Error(`${this.name}: ${message.error}`));
        else pending.resolve(message.result);
      } else if (message.rpc === 'event') {
        this.onEvent(message.name, message.data);
      }
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`${this.name} exited (${signal ?? code})`);
      for (const pending of this.pending.values()) pending.reject(this.exited);
      this.pending.clear();
    });
  }

  call<T>(method: string, args: unknown = {}): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ rpc: 'call', id, method, args } satisfies Call);
    });
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Asks nicely (the child's `exit` method), then kills after a grace period. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.alive) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.call('exit').catch(() => {});
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

/** Starts a TypeScript module of the harness in its own Node process. */
export function forkTs(
  module: string,
  options: { name: string; execArgv?: string[]; onEvent?: (name: string, data: unknown) => void; args?: string[] },
): Peer {
  const child = fork(module, options.args ?? [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Peer(child, options.name, options.onEvent);
}

type Handler = (args: never) => unknown;

/** The child's side: answers calls with the handlers given; `exit` is built in. */
export function serve(handlers: Record<string, Handler>): { emit: (name: string, data: unknown) => void } {
  const send = (message: Envelope) => process.send?.(message);
  process.on('message', (message: Envelope) => {
    if (message.rpc !== 'call') return;
    if (message.method === 'exit') {
      send({ rpc: 'reply', id: message.id, result: null });
      setImmediate(() => process.exit(0));
      return;
    }
    const handler = handlers[message.method];
    if (!handler) {
      send({ rpc: 'reply', id: message.id, error: `no method ${message.method}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.args as never))
      .then(
        (result) => send({ rpc: 'reply', id: message.id, result: result ?? null }),
        (error: unknown) => send({ rpc: 'reply', id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
      );
  });
  // The parent went away: nothing left to do.
  process.on('disconnect', () => process.exit(0));
  return { emit: (name, data) => send({ rpc: 'event', name, data }) };
}
