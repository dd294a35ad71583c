// Whether requests can be sent right now: logged in and connected, or (after
// a drop) reconnected *and* resumed. The library reports 'connected' before
// its automatic resume has finished, so the 'session' event is what counts.

import type { ChatClient } from '../../net/client.ts';

export class SessionGone extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionGone';
  }
}

export class LiveSession {
  private live = true;
  private gone: SessionGone | undefined;
  private waiters: Array<() => void> = [];
  private readonly detach: () => void;

  /** Created right after a successful login or registration. */
  constructor(client: ChatClient) {
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
