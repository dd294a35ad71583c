// Lines waiting to be sent, shared by the terminal client and the desktop
// client's socket worker.
//
// `LiveSession` says whether requests can be sent right now: logged in and
// connected, or (after a drop) reconnected *and* resumed. The library reports
// 'connected' before its automatic resume has finished, so the 'session'
// event is what counts.
//
// `Outbox` sends lines in order, one request at a time, so that they reach
// the room in the order they were typed. While the connection is down they
// wait for the automatic reconnect. A send whose answer was lost with the
// connection may or may not have been stored; after the resume the room's
// newer history says which, so a line is neither lost nor sent twice.

import type { ChatClient } from './client.ts';
import { RequestError } from './errors.ts';
import type { ChatMessage } from './schema.ts';

export class SessionGone extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionGone';
  }
}

/** What LiveSession listens to: the client's connection and session events. */
export type SessionEvents = Pick<ChatClient, 'on' | 'off'>;

export class LiveSession {
  private live = true;
  private gone: SessionGone | undefined;
  private waiters: Array<() => void> = [];
  private readonly detach: () => void;

  /** Created right after a successful login or registration. */
  constructor(client: SessionEvents) {
    const onState = (state: string): void => {
      if (state === 'connected') return; // not usable until the resume is done
      this.live = false;
      // The library gives up only for good reasons (a changed server key); they are reported on their own.
      if (state === 'closed') this.end('the connection was closed');
    };
    const onSession = (): void => {
      this.live = true;
      this.wake();
    };
    const onEnded = (reason: string): void => this.end(`the session ended: ${reason}`);
    client.on('state', onState);
    client.on('session', onSession);
    client.on('sessionEnded', onEnded);
    this.detach = () => {
      client.off('state', onState);
      client.off('session', onSession);
      client.off('sessionEnded', onEnded);
    };
  }

  get isLive(): boolean {
    return this.live && this.gone === undefined;
  }

  /** Resolves once requests can be sent; rejects with SessionGone if they never will be. */
  async ready(): Promise<void> {
    while (!this.isLive) {
      if (this.gone !== undefined) throw this.gone;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** This session is over (logout, quit, or lost for good); wakes every waiter with an error. */
  end(reason: string): void {
    if (this.gone !== undefined) return;
    this.gone = new SessionGone(reason);
    this.live = false;
    this.detach();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }
}

/** One line in the outbox. `tag` is the caller's own (the desktop client's reference to the line on screen). */
export interface OutboxLine<T> {
  room: string;
  body: string;
  tag: T;
}

export interface OutboxHooks<T> {
  /** The server stored the line: `message` carries its id and timestamp. */
  acknowledged(message: ChatMessage, line: OutboxLine<T>): void;
  /** The server refused the line (too long, not a member …), or the session is gone. */
  refused(line: OutboxLine<T>, error: Error): void;
  /** Told once per line that has to wait for the connection: when its turn comes, or when the connection went with it in flight. */
  waiting?(line: OutboxLine<T>): void;
}

export interface OutboxOptions {
  /** At most this many lines wait (the one being sent included); `enqueue` refuses more. Default: no bound. */
  maxQueued?: number;
}

/** What the outbox needs of the client. */
export type OutboxClient = Pick<ChatClient, 'send' | 'history' | 'user'>;

/** A server asking to wait longer than this is not waited for twice in a row without a try. */
const MAX_RATE_LIMIT_WAIT_MS = 60_000;
/** Page size when looking for a line whose acknowledgement was lost. */
const LOOKUP_PAGE = 200;

export class Outbox<T = void> {
  private readonly queue: Array<OutboxLine<T>> = [];
  private running: Promise<void> | undefined;
  /** Newest message id known per room, to look for a line whose acknowledgement was lost. */
  private readonly newest = new Map<string, number>();

  constructor(
    private readonly client: OutboxClient,
    private readonly session: LiveSession,
    private readonly hooks: OutboxHooks<T>,
    private readonly options: OutboxOptions = {},
  ) {}

  /** Lines not yet acknowledged or refused, the one being sent included. */
  get size(): number {
    return this.queue.length;
  }

  /**
   * Tell the outbox about every message seen (history, live and missed lines),
   * so that a lost acknowledgement is looked up only among newer lines.
   */
  saw(message: ChatMessage): void {
    if ((this.newest.get(message.room) ?? 0) < message.id) this.newest.set(message.room, message.id);
  }

  /** Queues a line; false (and nothing queued) when `maxQueued` lines are waiting already. */
  enqueue(room: string, body: string, tag: T): boolean {
    if (this.options.maxQueued !== undefined && this.queue.length >= this.options.maxQueued) return false;
    this.queue.push({ room, body, tag });
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return true;
  }

  /** Resolves when every queued line has been acknowledged or refused. */
  async drain(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async run(): Promise<void> {
    for (let line = this.queue[0]; line !== undefined; line = this.queue[0]) {
      try {
        this.hooks.acknowledged(await this.deliver(line), line);
      } catch (error) {
        this.hooks.refused(line, error as Error);
      }
      this.queue.shift();
    }
  }

  private async deliver(line: OutboxLine<T>): Promise<ChatMessage> {
    let toldWaiting = false;
    // Fixed for the line's whole life: any copy of it stored after this id came from one of our tries.
    const before = this.newest.get(line.room) ?? 0;
    for (;;) {
      if (!this.session.isLive && !toldWaiting) {
        toldWaiting = true;
        this.hooks.waiting?.(line);
      }
      await this.session.ready(); // throws SessionGone: the line is refused
      try {
        const message = await this.client.send(line.room, line.body);
        this.saw(message);
        return message;
      } catch (error) {
        if (error instanceof RequestError) {
          if ((error.code === 'rate_limited' || error.code === 'throttled') && error.retryAfterMs !== undefined) {
            await sleep(Math.min(error.retryAfterMs, MAX_RATE_LIMIT_WAIT_MS));
            continue;
          }
          if (error.code === 'not_authenticated') continue; // raced a reconnect: wait for the resume
          throw error;
        }
        // The connection went (or the answer timed out) with the line in flight: it waits for
        // the connection after all (to be looked up, then sent if it was not stored), and the
        // person is told so rather than left believing it was delivered.
        if (!toldWaiting) {
          toldWaiting = true;
          this.hooks.waiting?.(line);
        }
        const stored = await this.findStored(line, before);
        if (stored !== undefined) {
          this.saw(stored);
          return stored;
        }
      }
    }
  }

  /** Waits for the session, then looks for the line in the room's newer history; undefined if it is not there. */
  private async findStored(line: OutboxLine<T>, after: number): Promise<ChatMessage | undefined> {
    for (;;) {
      await this.session.ready();
      try {
        for (let from = after; ; ) {
          const page = await this.client.history(line.room, { after: from, limit: LOOKUP_PAGE });
          const found = page.messages.find((message) => message.from === this.client.user && message.body === line.body);
          if (found !== undefined) return found;
          const last = page.messages.at(-1);
          if (!page.more || last === undefined) return undefined;
          from = last.id;
        }
      } catch (error) {
        if (error instanceof RequestError && error.code !== 'not_authenticated') throw error;
        // lost again: wait for the next resume
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
