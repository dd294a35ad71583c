// Help → Commands and Help → About.

import { html } from 'htm/preact';
import { COMMANDS } from '../commands.ts';
import { Dialog } from './Dialog.ts';

const KEYS: ReadonlyArray<[string, string]> = [
  ['Enter', 'Send the message'],
  ['Shift+Enter', 'New line in the message'],
  ['Up / Down', 'Recall earlier lines you sent'],
  ['Alt+F, Alt+H', 'Open the File or Help menu'],
  ['Escape', 'Close a menu or dialog'],
];

export function CommandsDialog({ onClose }: { onClose: () => void }) {
  return html`
    <${Dialog} title="Commands" onClose=${onClose}>
      <p>Type these in the message box:</p>
      <table class="commands">
        <tbody>
          ${COMMANDS.map((command) => html`<tr key=${command.name}><td><code>${command.usage}</code></td><td>${command.summary}</td></tr>`)}
          <tr><td><code>//text</code></td><td>Send a line that starts with /</td></tr>
        </tbody>
      </table>
      <h3>Keys</h3>
      <table class="commands">
        <tbody>
          ${KEYS.map(([key, what]) => html`<tr key=${key}><td><kbd>${key}</kbd></td><td>${what}</td></tr>`)}
        </tbody>
      </table>
    <//>
  `;
}

export function AboutDialog({ version, address, fingerprint, onClose }: { version: string; address?: string | undefined; fingerprint?: string | undefined; onClose: () => void }) {
  return html`
    <${Dialog} title="About securechat" onClose=${onClose}>
      <p><strong>securechat</strong> ${version ? `version ${version}` : ''}</p>
      <p>Self-hosted encrypted chat. The connection is encrypted with Noise NX (X25519, ChaCha20-Poly1305, SHA-256); the server's key is pinned on first contact.</p>
      <dl class="about">
        <dt>Server</dt>
        <dd>${address ?? 'not connected'}</dd>
        <dt>Server key fingerprint</dt>
        <dd><code class="fingerprint">${fingerprint ?? 'not connected yet'}</code></dd>
      </dl>
      <p class="muted">Compare the fingerprint with the one your server's operator gives you (securechat server prints it at start).</p>
    <//>
  `;
}
