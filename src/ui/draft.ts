// A working copy of the UI state for one batch of events: rooms are copied
// the first time a batch changes them, then changed in place, so a drain of
// hundreds of lines costs one copy per room, not one per line.

import type { ChatMessage } from '../net/schema.ts';
import type { LineKind, LogLine, RoomView, UiState } from './state.ts';

/** Lines kept per room; older ones are dropped from the screen (/history fetches them again). */
export const MAX_LINES_PER_ROOM = 1500;
export const DEFAULT_ROOM = 'general';

export const sameName = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

export class Draft {
  readonly state: UiState;
  private readonly touched = new Set<string>();

  constructor(previous: UiState) {
    this.state = { ...previous, rooms: { ...previous.rooms }, roomOrder: [...previous.roomOrder] };
  }

  room(name: string): RoomView | undefined {
    const room = this.state.rooms[name];
    if (!room) return undefined;
    if (!this.touched.has(name)) {
      this.touched.add(name);
      const copy = { ...room, lines: [...room.lines] };
      this.state.rooms[name] = copy;
      return copy;
    }
    return room;
  }

  addRoom(info: { name: string; members: number }): RoomView {
    const existing = this.room(info.name);
    if (existing) {
      existing.members = info.members;
      return existing;
    }
    const room: RoomView = { name: info.name, members: info.members, lines: [], unread: 0, more: true };
    this.state.rooms[info.name] = room;
    this.state.roomOrder.push(info.name);
    this.touched.add(info.name);
    return room;
  }

  removeRoom(name: string): void {
    delete this.state.rooms[name];
    this.state.roomOrder = this.state.roomOrder.filter((room) => room !== name);
    if (this.state.current === name) this.state.current = this.state.roomOrder.includes(DEFAULT_ROOM) ? DEFAULT_ROOM : (this.state.roomOrder[0] ?? DEFAULT_ROOM);
  }

  resetRooms(): void {
    this.state.rooms = {};
    this.state.roomOrder = [];
    this.touched.clear();
  }

  nextKey(prefix: string): string {
    this.state.seq += 1;
    return `${prefix}${this.state.seq}`;
  }

  /** Adds a chat message where its id belongs, unless it is already there. */
  addMessage(message: ChatMessage, countUnread: boolean): void {
    const room = this.room(message.room);
    if (!room) return;
    const line: LogLine = {
      key: `m${message.id}`,
      kind: sameName(message.from, this.state.user) ? 'own' : 'other',
      ts: message.ts,
      from: message.from,
      body: message.body,
      id: message.id,
    };
    const lines = room.lines;
    // Usually the newest line with an id is older than this one and it is appended;
    // lines fetched after a reconnect can be older than live ones and go before them.
    let at = lines.length;
    for (let i = lines.length - 1; i >= 0; i -= 1) {
      const id = lines[i]!.id;
      if (id === undefined) continue;
      if (id === message.id) return; // already shown
      if (id < message.id) break;
      at = i;
    }
    lines.splice(at, 0, line);
    this.trim(room);
    if (countUnread && room.name !== this.state.current) room.unread += 1;
  }

  addLine(roomName: string, kind: LineKind, body: string, ts: number, from?: string): void {
    const room = this.room(roomName);
    if (!room) return;
    room.lines.push({ key: this.nextKey('l'), kind, ts, body, ...(from !== undefined ? { from } : {}) });
    this.trim(room);
  }

  /** An informational line in the room on screen (or nowhere when logged out). */
  info(kind: 'info' | 'error', text: string): void {
    this.addLine(this.state.current, kind, text, Date.now());
  }

  private trim(room: RoomView): void {
    if (room.lines.length > MAX_LINES_PER_ROOM) {
      room.lines.splice(0, room.lines.length - MAX_LINES_PER_ROOM);
      room.more = true;
    }
  }
}
