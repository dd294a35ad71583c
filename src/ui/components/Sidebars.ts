// The joined rooms (with unread counts, join and leave) and the online users.

import { html } from 'htm/preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { RoomView } from '../state.ts';
import { DEFAULT_ROOM } from '../state.ts';
import { roomArgument } from '../commands.ts';
import { SafeText } from './SafeText.ts';
import { showControls } from '../control-chars.ts';

export interface RoomListProps {
  rooms: RoomView[];
  current: string;
  onSelect: (room: string) => void;
  onJoin: (room: string) => void;
  onLeave: (room: string) => void;
}

export function RoomList({ rooms, current, onSelect, onJoin, onLeave }: RoomListProps) {
  const [name, setName] = useState('');
  const list = useRef<HTMLUListElement>(null);
  // A room's full name as a tooltip only where it is cut off: a tooltip on
  // every button popped up (and stayed) over the join input each time a
  // joined room's new button moved under a resting mouse pointer.
  useLayoutEffect(() => {
    list.current?.querySelectorAll<HTMLElement>('.room-name').forEach((label) => {
      const button = label.closest('button');
      if (!button) return;
      if (label.scrollWidth > label.clientWidth) button.title = label.textContent ?? '';
      else button.removeAttribute('title');
    });
  });
  return html`
    <nav class="rooms" aria-label="Rooms">
      <h2>Rooms</h2>
      <ul ref=${list}>
        ${rooms.map(
          (room) => html`
            <li key=${room.name} class=${room.name === current ? 'current' : ''}>
              <button type="button" class="room" aria-current=${room.name === current ? 'true' : undefined} onClick=${() => onSelect(room.name)}>
                <span class="room-name">#${room.name}</span>
                ${room.unread > 0 ? html`<span class="badge" aria-label=${`${room.unread} unread`}>${room.unread > 999 ? '999+' : room.unread}</span>` : null}
              </button>
              ${room.name !== DEFAULT_ROOM
                ? html`<button type="button" class="leave" title=${`Leave #${room.name}`} aria-label=${`Leave #${room.name}`} onClick=${() => onLeave(room.name)}>×</button>`
                : null}
            </li>
          `,
        )}
      </ul>
      <form
        class="join"
        onSubmit=${(event: Event) => {
          event.preventDefault();
          const room = roomArgument(name);
          if (room === '') return;
          onJoin(room);
          setName('');
        }}
      >
        <input id="join-room" value=${name} placeholder="room name" aria-label="Room to join" spellcheck=${false} onInput=${(event: Event) => setName((event.currentTarget as HTMLInputElement).value)} />
        <button type="submit">Join</button>
      </form>
    </nav>
  `;
}

export function UserList({ online, me }: { online: string[]; me?: string | undefined }) {
  return html`
    <aside class="users" aria-label="Online users">
      <h2>Online <span class="count">${online.length}</span></h2>
      <ul>
        ${online.map((user) => html`<li key=${user} class=${user === me ? 'me' : ''} title=${showControls(user)}><${SafeText} text=${user} />${user === me ? html` <span class="muted">(you)</span>` : null}</li>`)}
      </ul>
    </aside>
  `;
}
