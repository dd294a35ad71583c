// The login panel: server address, username, password, Login and Register.
// Enter submits (as Login). Errors show beside the field they belong to; a
// changed server key gets its own panel with both fingerprints and what to do.

import { html } from 'htm/preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { KeyChanged, LoginErrors, NewServerKey } from '../state.ts';
import { checkPassword, checkUsername, formatAddress, parseServerAddress } from '../format.ts';

export interface LoginRequest {
  host: string;
  port: number;
  username: string;
  password: string;
  register: boolean;
}

export interface LoginPanelProps {
  defaults: { host: string; port: number };
  busy: boolean;
  errors: LoginErrors;
  keyChanged?: KeyChanged | undefined;
  /** First contact: the key to trust or not; the login waits for the answer. */
  newKey?: NewServerKey | undefined;
  onTrust?: (trust: boolean) => void;
  notice?: string | undefined;
  onSubmit: (request: LoginRequest) => void;
  onInvalid: (errors: LoginErrors) => void;
}

function FieldError({ id, text }: { id: string; text: string | undefined }) {
  return text ? html`<div class="field-error" id=${id} role="alert">${text}</div>` : null;
}

export function KeyChangedPanel({ info }: { info: KeyChanged }) {
  return html`
    <div class="key-changed" role="alert">
      <h2>The server's key has changed</h2>
      <p>The server at <strong>${info.address}</strong> presented a different key from the one this computer pinned. <strong>No password was sent.</strong></p>
      <dl>
        <dt>Pinned (expected)</dt>
        <dd><code class="fingerprint">${info.expected}</code></dd>
        <dt>Presented now</dt>
        <dd><code class="fingerprint">${info.actual}</code></dd>
      </dl>
      <p>Someone may be intercepting the connection, or the server was reinstalled. Ask the server's operator for the server's fingerprint over another channel (phone, in person).</p>
      ${info.pinFile
        ? html`<p>Only if it matches <em>Presented now</em>: remove the <code>"${info.address}"</code> entry from <code class="path">${info.pinFile}</code>, then log in again.</p>`
        : html`<p>The expected key was given on the command line (<code>--fingerprint</code>); check the fingerprint you were given.</p>`}
    </div>
  `;
}

/**
 * First contact with a server: its fingerprint, and a choice. Nothing has been
 * sent yet; the login goes on only after "Trust and continue". The panel takes
 * the focus (so Enter typed a moment too late does not answer it); Tab reaches
 * the buttons, Escape cancels.
 */
export function NewKeyPanel({ info, onAnswer }: { info: NewServerKey; onAnswer: (trust: boolean) => void }) {
  const box = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => box.current?.focus(), [info.address, info.fingerprint]);
  return html`
    <div
      class="new-key"
      role="alertdialog"
      aria-labelledby="new-key-title"
      aria-describedby="new-key-text"
      tabindex="-1"
      ref=${box}
      onKeyDown=${(event: KeyboardEvent) => {
        if (event.key !== 'Escape') return;
        event.preventDefault();
        onAnswer(false);
      }}
    >
      <h2 id="new-key-title">First connection to this server</h2>
      <div id="new-key-text">
        <p>This is the first connection from this computer to <strong>${info.address}</strong>. The server's key fingerprint is:</p>
        <p><code class="fingerprint">${info.fingerprint}</code></p>
        <p>Compare it with the one the server's operator gave you (the server prints it when it starts; ask whoever runs it). <strong>Nothing has been sent yet.</strong> If it matches, trust it: this computer will remember it and warn you if it ever changes.</p>
      </div>
      <div class="login-actions">
        <button type="button" class="primary" id="trust-key" onClick=${() => onAnswer(true)}>Trust and continue</button>
        <button type="button" id="reject-key" onClick=${() => onAnswer(false)}>Cancel</button>
      </div>
    </div>
  `;
}

export function LoginPanel(props: LoginPanelProps) {
  const { defaults, busy, errors, keyChanged, newKey, notice } = props;
  const [server, setServer] = useState(formatAddress(defaults.host, defaults.port));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const edited = useRef(false);
  const usernameInput = useRef<HTMLInputElement>(null);
  const serverInput = useRef<HTMLInputElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);

  // The host tells us the default server after the page loaded.
  useEffect(() => {
    if (!edited.current) setServer(formatAddress(defaults.host, defaults.port));
  }, [defaults.host, defaults.port]);
  useLayoutEffect(() => usernameInput.current?.focus(), []);
  // Put the caret where the problem is.
  useLayoutEffect(() => {
    if (errors.server) serverInput.current?.focus();
    else if (errors.username) usernameInput.current?.focus();
    else if (errors.password) passwordInput.current?.select();
  }, [errors]);

  const submit = (register: boolean): void => {
    if (busy) return;
    const address = parseServerAddress(server);
    const found: LoginErrors = {};
    if ('error' in address) found.server = address.error;
    const userError = checkUsername(username);
    if (userError) found.username = userError;
    const passwordError = checkPassword(password, register);
    if (passwordError) found.password = passwordError;
    if (Object.keys(found).length > 0 || 'error' in address) {
      props.onInvalid(found);
      return;
    }
    props.onSubmit({ host: address.host, port: address.port, username: username.normalize('NFKC'), password, register });
  };

  const field = (name: 'server' | 'username' | 'password') => ({
    'aria-invalid': errors[name] ? 'true' : 'false',
    'aria-describedby': errors[name] ? `${name}-error` : undefined,
  });

  return html`
    <main class="login-screen">
      <form
        class="login-form"
        aria-labelledby="login-title"
        novalidate
        onSubmit=${(event: Event) => {
          event.preventDefault();
          submit(false);
        }}
      >
        <h1 id="login-title"><span class="logo" aria-hidden="true"></span>securechat</h1>
        ${notice ? html`<p class="login-notice" role="status">${notice}</p>` : null}
        ${keyChanged ? html`<${KeyChangedPanel} info=${keyChanged} />` : null}
        ${newKey ? html`<${NewKeyPanel} info=${newKey} onAnswer=${(trust: boolean) => props.onTrust?.(trust)} />` : null}
        <label for="server">Server</label>
        <input
          id="server"
          name="server"
          ref=${serverInput}
          value=${server}
          autocomplete="off"
          spellcheck=${false}
          placeholder="host:port"
          ...${field('server')}
          onInput=${(event: Event) => {
            edited.current = true;
            setServer((event.currentTarget as HTMLInputElement).value);
          }}
        />
        <${FieldError} id="server-error" text=${errors.server} />
        <label for="username">Username</label>
        <input
          id="username"
          name="username"
          ref=${usernameInput}
          value=${username}
          autocomplete="username"
          autocapitalize="off"
          spellcheck=${false}
          ...${field('username')}
          onInput=${(event: Event) => setUsername((event.currentTarget as HTMLInputElement).value)}
        />
        <${FieldError} id="username-error" text=${errors.username} />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          ref=${passwordInput}
          value=${password}
          autocomplete="current-password"
          ...${field('password')}
          onInput=${(event: Event) => setPassword((event.currentTarget as HTMLInputElement).value)}
        />
        <${FieldError} id="password-error" text=${errors.password} />
        ${errors.form ? html`<div class="form-error" role="alert">${errors.form}</div>` : null}
        <div class="login-actions">
          <button type="submit" class="primary" id="login" disabled=${busy}>${busy ? 'Connecting…' : 'Login'}</button>
          <button type="button" id="register" disabled=${busy} onClick=${() => submit(true)}>Register</button>
        </div>
        <p class="muted small">New here? Choose a username and a password of at least 8 characters, then Register.</p>
      </form>
    </main>
  `;
}
