// Lines waiting to be sent, in order, one request at a time so that they
// reach the room in the order they were typed. While the connection is down
// they wait for the automatic reconnect. A send whose answer was lost with
// the connection may or may not have been stored; after the resume the room's
// newer history says which, so a line is neither lost nor sent twice.

import { RequestError } from '../../net/errors.ts';
import type { ChatClient } from '../../net/client.ts';
import type { ChatMessage } from '../../net/schema.ts';
import type { LiveSession } from './live-session.ts';

export interface OutboxHooks {
  /** The server stored the line: `message` carries its id and timestamp. */
  acknowledged(message: ChatMessage): void;
  /** The server refused the line (too long, not a member …), or the session is gone. */
  refused(room: string, body: string, error: Error): void;
  /** Told once per line that has to wait for the connection. */
  waiting?(room: string, body: string): void;
}

interface Item {
  room: string;
  body: string;
}

/** A server asking to wait longer than this is not waited for twice in a row without a try. */
const MAX_RATE_LIMIT_WAIT_MS = 60_000;

export class Outbox {
  private readonly queue: Item[] = [];
  private running: Promise<void> | undefined;
  /** Newest message id known per room, to look for a line whose acknowledgement was lost. */
  private readonly newest = new Map<string, number>();

  constructor(
    private readonly client: ChatClient,
    private readonly session: LiveSession,
    private readonly hooks: OutboxHooks,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  /** Tell the outbox about every message seen, so a lost acknowledgement can be looked up later. */
  saw(message: ChatMessage): void {
    if ((this.newest.get(message.room) ?? 0) < message.id) this.newest.set(message.room, message.id);
  }

  enqueue(room: string, body: string): void {
    this.queue.push({ room, body });
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when every queued line has been acknowledged or refused. */
  async drain(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async run(): Promise<void> {
    for (let item = this.queue[0]; item !== undefined; item = this.queue[0]) {
      try {
        this.hooks.acknowledged(await this.deliver(item));
      } catch (error) {
        this.hooks.refused(item.room, item.body, error as Error);
      }
      this.queue.shift();
    }
  }

  private async deliver(item: Item): Promise<ChatMessage> {
    let toldWaiting = false;
    // Fixed for the line's whole life: any copy of it stored after this id came from one of our tries.
    const before = this.newest.get(item.room) ?? 0;
    for (;;) {
      if (!this.session.isLive && !toldWaiting) {
        toldWaiting = true;
        this.hooks.waiting?.(item.room, item.body);
      }
      await this.session.ready(); // throws SessionGone: the line is refused
      try {
        const message = await this.client.send(item.room, item.body);
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
        // The connection went (or the answer timed out) with the line in flight.
        const stored = await this.findStored(item, before);
        if (stored !== undefined) {
          this.saw(stored);
          return stored;
        }
      }
    }
  }

  /** Waits for the session, then looks for the line in the room's newer history; undefined if it is not there. */
  private async findStored(item: Item, after: number): Promise<ChatMessage | undefined> {
    for (;;) {
      await this.session.ready();
      try {
        const page = await this.client.history(item.room, { after, limit: 200 });
        return page.messages.find((message) => message.from === this.client.user && message.body === item.body);
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
