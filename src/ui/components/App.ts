// The whole window: menu bar, then either the login panel or the chat view,
// and the status line. State lives in one reducer fed by the bridge's drain.

import { html } from 'htm/preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Bridge, UiAction } from '../../native/bridge-protocol.ts';
import { startDraining } from '../bridge.ts';
import { DEFAULT_HISTORY, helpText, parseInput, type Command } from '../commands.ts';
import { initialState, reduce, type StateEvent, type UiState } from '../state.ts';
import { Composer } from './Composer.ts';
import { AboutDialog, CommandsDialog } from './HelpDialogs.ts';
import { LoginPanel, type LoginRequest } from './LoginPanel.ts';
import { MenuBar, type Menu } from './MenuBar.ts';
import { MessageLog } from './MessageLog.ts';
import { SafeText } from './SafeText.ts';
import { RoomList, UserList } from './Sidebars.ts';
import { StatusBar } from './StatusBar.ts';

type DialogName = 'commands' | 'about' | null;

export function App({ bridge, initial }: { bridge: Bridge; initial?: UiState }) {
  const [state, setState] = useState<UiState>(initial ?? initialState());
  const [dialog, setDialog] = useState<DialogName>(null);
  const nextRef = useRef(1);

  const apply = useCallback((events: StateEvent[]) => setState((previous) => reduce(previous, events)), []);
  const post = useCallback(
    (action: UiAction) => {
      bridge.post(action).catch((error: unknown) => apply([{ type: 'ui/info', kind: 'error', text: `The window could not reach the socket thread: ${String(error)}` }]));
    },
    [bridge, apply],
  );

  useEffect(() => startDraining(bridge, apply, (error) => apply([{ type: 'ui/info', kind: 'error', text: `Receiving failed: ${String(error)}` }])), [bridge, apply]);

  // The document title follows the session (the native host also sets the window title).
  useEffect(() => {
    document.title = state.user && state.address ? `securechat — ${state.user}@${state.address}` : 'securechat';
  }, [state.user, state.address]);

  const run = (command: Command): void => {
    const room = state.current;
    switch (command.name) {
      case 'help':
        apply([{ type: 'ui/info', text: helpText() }]);
        return;
      case 'users':
      case 'rooms':
      case 'logout':
        post({ type: command.name });
        return;
      case 'quit':
        post({ type: 'exit' });
        return;
      case 'join':
        if (state.rooms[command.room]) apply([{ type: 'ui/select', room: command.room }]);
        else post({ type: 'join', room: command.room });
        return;
      case 'leave':
        post({ type: 'leave', room: command.room ?? room });
        return;
      case 'history': {
        const oldest = state.rooms[room]?.lines.find((line) => line.id !== undefined)?.id;
        post(oldest === undefined ? { type: 'history', room, limit: command.limit } : { type: 'history', room, before: oldest, limit: command.limit });
        return;
      }
    }
  };

  const submit = (text: string): boolean => {
    const input = parseInput(text);
    switch (input.kind) {
      case 'empty':
        return false;
      case 'error':
        apply([{ type: 'ui/info', kind: 'error', text: input.message }]);
        return false;
      case 'command':
        run(input.command);
        return true;
      case 'text': {
        const ref = nextRef.current++;
        apply([{ type: 'ui/sending', ref, room: state.current, body: input.body, ts: Date.now() }]);
        post({ type: 'send', ref, room: state.current, body: input.body });
        return true;
      }
    }
  };

  const login = (request: LoginRequest): void => {
    apply([{ type: 'ui/loginStarted' }]);
    post({ type: 'login', ...request });
  };

  const loggedIn = state.screen === 'chat';
  const menus: Menu[] = [
    {
      id: 'file',
      label: 'File',
      key: 'f',
      items: [
        { id: 'logout', label: 'Logout / Switch User', disabled: !loggedIn, run: () => post({ type: 'logout' }) },
        { id: 'exit', label: 'Exit', run: () => post({ type: 'exit' }) },
      ],
    },
    {
      id: 'help',
      label: 'Help',
      key: 'h',
      items: [
        { id: 'commands', label: 'Commands', run: () => setDialog('commands') },
        { id: 'about', label: 'About securechat', run: () => setDialog('about') },
      ],
    },
  ];

  const rooms = useMemo(() => state.roomOrder.map((name) => state.rooms[name]!).filter(Boolean), [state.roomOrder, state.rooms]);
  const current = state.rooms[state.current];

  return html`
    <div class=${`app screen-${state.screen}`}>
      <header class="topbar">
        <${MenuBar} menus=${menus} />
        ${loggedIn ? html`<span class="whoami"><${SafeText} text=${state.user ?? ''} />@${state.address}</span>` : null}
      </header>
      ${loggedIn
        ? html`
            <div class="chat">
              <${RoomList}
                rooms=${rooms}
                current=${state.current}
                onSelect=${(room: string) => apply([{ type: 'ui/select', room }])}
                onJoin=${(room: string) => run({ name: 'join', room })}
                onLeave=${(room: string) => run({ name: 'leave', room })}
              />
              <main class="conversation">
                <div class="room-header">
                  <h1>#${state.current}</h1>
                  ${current ? html`<span class="muted">${current.members} member${current.members === 1 ? '' : 's'}</span>` : null}
                </div>
                <${MessageLog}
                  room=${state.current}
                  lines=${current?.lines ?? []}
                  more=${current?.more ?? false}
                  offline=${state.connection !== 'connected'}
                  onOlder=${() => run({ name: 'history', limit: DEFAULT_HISTORY })}
                />
                <${Composer} room=${state.current} disabled=${!current} onSubmit=${submit} />
              </main>
              <${UserList} online=${state.online} me=${state.user} />
            </div>
          `
        : html`<${LoginPanel}
            defaults=${state.defaults}
            busy=${state.loginBusy}
            errors=${state.loginErrors}
            keyChanged=${state.keyChanged}
            newKey=${state.newKey}
            onTrust=${(trust: boolean) => {
              apply([{ type: 'ui/trustAnswered', trust }]);
              post({ type: 'trustServerKey', trust });
            }}
            notice=${state.loginNotice}
            onSubmit=${login}
            onInvalid=${(errors: UiState['loginErrors']) => apply([{ type: 'ui/loginInvalid', errors }])}
          />`}
      <${StatusBar}
        connection=${state.connection}
        detail=${state.connectionDetail}
        user=${state.user}
        address=${state.address}
        fingerprint=${state.fingerprint}
        firstContact=${state.firstContact}
      />
      ${dialog === 'commands' ? html`<${CommandsDialog} onClose=${() => setDialog(null)} />` : null}
      ${dialog === 'about' ? html`<${AboutDialog} version=${state.version} address=${state.address} fingerprint=${state.fingerprint} onClose=${() => setDialog(null)} />` : null}
    </div>
  `;
}
