// The login prompt of the interactive client: log in or register, user name,
// password (not echoed; asked twice when registering). Loops until a session
// starts or the person gives up (Ctrl-D / Ctrl-C). A new password is checked
// against the server's own rule (validatePassword, a pure module shared with
// the server) as soon as it is typed, before it is asked for again.

import type { ChatClient } from '../../net/client.ts';
import { RequestError } from '../../net/errors.ts';
import type { SessionStart } from '../../net/schema.ts';
import { validatePassword } from '../../server/accounts/password-policy.ts';
import type { Terminal } from './terminal.ts';

export interface LoginView {
  info(text: string): void;
  error(text: string): void;
}

async function waitForConnection(client: ChatClient, view: LoginView): Promise<boolean> {
  if (client.state === 'connected') return true;
  view.info('Waiting for the connection to the server…');
  return new Promise((resolve) => {
    const onState = (state: string): void => {
      if (state === 'connected' || state === 'closed') {
        client.off('state', onState);
        resolve(state === 'connected');
      }
    };
    client.on('state', onState);
  });
}

export async function loginPrompt(
  terminal: Terminal,
  client: ChatClient,
  view: LoginView,
  suggestedUser: string | undefined,
): Promise<SessionStart | undefined> {
  let user = suggestedUser;
  for (;;) {
    const choice = await terminal.ask('Log in or register? [L/r] ');
    if (choice === undefined) return undefined;
    const register = /^\s*r(egister)?\s*$/i.test(choice);
    if (!register && !/^\s*(l(ogin)?)?\s*$/i.test(choice)) {
      view.error('Answer l (log in, the default) or r (register).');
      continue;
    }
    const typed = await terminal.ask(user === undefined ? 'User name: ' : `User name [${user}]: `);
    if (typed === undefined) return undefined;
    const name = typed.trim() === '' ? user : typed.trim();
    if (name === undefined || name === '') {
      view.error('A user name is needed.');
      continue;
    }
    user = name;
    let password = await terminal.askSecret('Password: ');
    if (password === undefined) return undefined;
    if (register) {
      for (let check = validatePassword(password); !check.ok; check = validatePassword(password)) {
        view.error(`${check.reason} Nothing was sent; choose another.`);
        password = await terminal.askSecret('Password: ');
        if (password === undefined) return undefined;
      }
      const again = await terminal.askSecret('Password again: ');
      if (again === undefined) return undefined;
      if (again !== password) {
        view.error('The two passwords differ; nothing was sent.');
        continue;
      }
    }
    if (!(await waitForConnection(client, view))) return undefined;
    try {
      return register ? await client.register(name, password) : await client.login(name, password);
    } catch (error) {
      view.error(loginFailure(error as Error, register));
    }
  }
}

export function loginFailure(error: Error, register: boolean): string {
  const what = register ? 'cannot register' : 'cannot log in';
  if (error instanceof RequestError) {
    const wait = error.retryAfterMs !== undefined ? ` (try again in ${Math.ceil(error.retryAfterMs / 1000)} s)` : '';
    if (error.code === 'invalid_credentials') return `${what}: wrong user name or password${wait}`;
    return `${what}: ${stripPeriod(error.message)}${wait}`;
  }
  return `${what}: ${stripPeriod(error.message)}`;
}

function stripPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}
