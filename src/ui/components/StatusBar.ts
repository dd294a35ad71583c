// The status line: connection state, who and where, the server's fingerprint.

import { html } from 'htm/preact';
import type { ConnectionStatus } from '../../native/bridge-protocol.ts';

const LABEL: Record<ConnectionStatus, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

export interface StatusBarProps {
  connection: ConnectionStatus;
  detail?: string | undefined;
  user?: string | undefined;
  address?: string | undefined;
  fingerprint?: string | undefined;
  firstContact: boolean;
}

export function StatusBar({ connection, detail, user, address, fingerprint, firstContact }: StatusBarProps) {
  const where = address ? (user ? `${user}@${address}` : address) : '';
  return html`
    <footer class="status" role="status">
      <span class=${`dot ${connection}`} aria-hidden="true"></span>
      <span class="state">${LABEL[connection]}</span>
      ${where ? html`<span class="where">${where}</span>` : null}
      ${detail && connection !== 'connected' ? html`<span class="detail" title=${detail}>${detail}</span>` : null}
      ${fingerprint
        ? html`<span class="key" title=${firstContact ? 'First contact: this key was just pinned' : 'Matches the key pinned earlier'}
            >Server key <code class="fingerprint">${fingerprint}</code>${firstContact ? ' (new, pinned)' : ' (pinned)'}</span
          >`
        : null}
    </footer>
  `;
}
