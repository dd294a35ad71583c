// What the person sees of the connection: one notice when it drops, the
// prompt saying "reconnecting" meanwhile (rather than a line per attempt),
// one notice when the session is back, and the lines missed meanwhile marked
// as such.

import type { ConnectionState } from '../../net/client.ts';

export interface StatusView {
  notice(text: string): void;
  /** Re-renders the prompt; called when the suffix changes. */
  refreshPrompt(): void;
}

export class ConnectionStatus {
  private state: ConnectionState = 'connected';
  private detail: string | undefined;
  private dropped = false;

  constructor(
    private readonly address: string,
    private readonly view: StatusView,
  ) {}

  /** Shown after the user name in the prompt: "" when all is well. */
  get promptSuffix(): string {
    if (this.state === 'reconnecting' || this.state === 'connecting') return ' (reconnecting)';
    if (this.state === 'closed') return ' (disconnected)';
    if (this.dropped) return ' (resuming)';
    return '';
  }

  onState(state: ConnectionState, detail: string | undefined): void {
    const before = this.promptSuffix;
    if (state === 'reconnecting' && !this.dropped) {
      this.dropped = true;
      this.view.notice(`connection to ${this.address} lost; reconnecting by itself (your lines wait meanwhile)`);
    }
    this.state = state;
    this.detail = detail;
    if (this.promptSuffix !== before) this.view.refreshPrompt();
  }

  /** The library resumed the session after a drop. */
  onResumed(): void {
    if (!this.dropped) return;
    this.dropped = false;
    this.view.notice(`reconnected to ${this.address}; session resumed`);
    this.view.refreshPrompt();
  }

  get lastDetail(): string | undefined {
    return this.detail;
  }
}
