// One client connection after the handshake: its identity once logged in,
// its outbound queue (capped: a client that stops reading is dropped rather
// than allowed to grow the server's memory), and its way out.

import type { SecureChannel } from '../net/channel.ts';
import type { ServerMessage } from '../net/schema.ts';
import type { ServerContext } from './context.ts';
import type { Recipient } from './hub.ts';

/** Past this many unsent bytes the peer is not keeping up; it resumes and fetches what it missed. */
export const MAX_OUTBOUND_BYTES = 4 * 1024 * 1024;

export interface SignedInUser {
  id: number;
  name: string;
  tokenHash: string;
}

export class Connection implements Recipient {
  user: SignedInUser | undefined;
  /** A login-type request is in flight: a second one on the same connection is refused. */
  authBusy = false;
  private closing = false;
  private loginTimer: NodeJS.Timeout | undefined;
  /** Cuts off a peer that does not read its bye; cleared once the socket has closed. */
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    readonly address: string,
    readonly channel: SecureChannel,
    private readonly context: ServerContext,
    /** A connection that completes the handshake but never logs in is closed after this. */
    private readonly loginTimeoutMs: number,
  ) {
    this.armLoginTimer();
  }

  get userId(): number | undefined {
    return this.user?.id;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  deliver(payload: Uint8Array): void {
    if (this.closing) return;
    this.channel.send(payload);
    if (this.channel.outboundBytes > MAX_OUTBOUND_BYTES) {
      this.context.log('slow_consumer_dropped', { connection: this.id, user: this.user?.name, queued: this.channel.outboundBytes });
      // The bye joins the queue: read or not, the socket is destroyed within seconds, so memory stays bounded.
      this.close('your connection was not reading fast enough; reconnect to catch up');
    }
  }

  send(message: ServerMessage): void {
    this.deliver(Buffer.from(JSON.stringify(message)));
  }

  /** Returns false when the connection closed while the login was being checked: nothing is signed in then. */
  signIn(user: SignedInUser): boolean {
    if (this.closing) return false;
    clearTimeout(this.loginTimer);
    this.user = user;
    const cameOnline = this.context.hub.addConnection(this, user.id, user.name);
    if (cameOnline) this.context.presence.changed(user.id, user.name, 'online', this.context.now());
    return true;
  }

  signOut(): void {
    const user = this.user;
    if (!user) return;
    this.user = undefined;
    const wentOffline = this.context.hub.removeConnection(this, user.id);
    if (wentOffline && !this.context.shuttingDown) {
      this.context.presence.changed(user.id, user.name, 'offline', this.context.now());
    }
    if (!this.closing) this.armLoginTimer();
  }

  /** Says why and hangs up; a peer that does not read what is queued is cut off after a grace period. */
  close(reason: string): void {
    if (this.closing) return;
    this.channel.send(Buffer.from(JSON.stringify({ type: 'bye', reason } satisfies ServerMessage)));
    this.closing = true;
    clearTimeout(this.loginTimer);
    this.signOut();
    this.channel.end();
    this.graceTimer = setTimeout(() => this.channel.destroy(), 2000).unref();
  }

  /** The socket is gone (either side). */
  closed(): void {
    this.closing = true;
    clearTimeout(this.loginTimer);
    // Nothing of a closed connection may outlive it, not even a timer.
    clearTimeout(this.graceTimer);
    this.signOut();
  }

  private armLoginTimer(): void {
    clearTimeout(this.loginTimer);
    const seconds = Math.round(this.loginTimeoutMs / 1000);
    this.loginTimer = setTimeout(() => this.close(`no login within ${seconds} seconds`), this.loginTimeoutMs);
    this.loginTimer.unref();
  }
}
