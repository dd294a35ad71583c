// Tells everyone online who came online and who went offline, a few times a
// second at most rather than at each sign-in. Every announcement goes to
// every online connection, so announcing each sign-in on its own made
// bringing n users online cost n² deliveries; gathered over an interval, the
// sign-ins of that interval reach each connection in one transport message
// (the channel batches what one turn queues). Per user only the last change
// of the interval counts, and a change undone within it (a reconnect) is not
// announced at all. Clients treat presence as state, so someone who signed
// in meanwhile and already has the user in their online list loses nothing.

import type { ServerMessage } from '../net/schema.ts';
import type { Hub } from './hub.ts';

interface PendingChange {
  name: string;
  event: 'online' | 'offline';
  ts: number;
  /** Whether the others last heard that this user is online. */
  announcedOnline: boolean;
}

export class PresenceAnnouncer {
  private readonly pending = new Map<number, PendingChange>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly hub: Hub,
    private readonly intervalMs: number,
  ) {}

  /** Records that `userId` came online or went offline at `ts`; sent at the end of the interval. */
  changed(userId: number, name: string, event: 'online' | 'offline', ts: number): void {
    const earlier = this.pending.get(userId);
    const announcedOnline = earlier ? earlier.announcedOnline : event === 'offline';
    this.pending.set(userId, { name, event, ts, announcedOnline });
    this.timer ??= setTimeout(() => this.announce(), this.intervalMs);
  }

  /** Announces this user's pending change now: their first line must not arrive before the news that they are online. */
  announceNow(userId: number): void {
    const change = this.pending.get(userId);
    if (!change) return;
    this.pending.delete(userId);
    this.announceChange(userId, change);
  }

  /** Drops what is pending (the server is stopping: nobody is told who went offline). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private announce(): void {
    this.timer = undefined;
    const changes = [...this.pending];
    this.pending.clear();
    for (const [userId, change] of changes) this.announceChange(userId, change);
  }

  private announceChange(userId: number, change: PendingChange): void {
    if ((change.event === 'online') === change.announcedOnline) return;
    const message: ServerMessage = { type: 'presence', event: change.event, user: change.name, ts: change.ts };
    this.hub.toEveryoneBut(userId, Buffer.from(JSON.stringify(message)));
  }
}
