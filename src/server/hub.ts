// Who is online and who is in which room, in memory, for fan-out. The store
// holds membership durably; this keeps the working set of online users per
// room so that a room's message is encoded once and then only queued per
// recipient connection (each connection seals its turn's queue at once).

import type { ChatStore } from './store/chat-store.ts';

/** What the hub needs of a connection. */
export interface Recipient {
  readonly userId: number | undefined;
  /** Queues one encoded application message for this connection; the bytes are shared, never changed. */
  deliver(payload: Uint8Array): void;
}

export class Hub {
  /** userId → that user's authenticated connections (two windows = two entries). */
  private readonly connectionsByUser = new Map<number, Set<Recipient>>();
  /** roomId → ids of members who are online now. */
  private readonly onlineMembers = new Map<number, Set<number>>();
  private readonly names = new Map<number, string>();
  /**
   * The online names in the order `onlineNames` gives them, kept in order as
   * users come and go: every sign-in sends the list, and sorting it afresh
   * each time cost O(n log n) locale comparisons per sign-in.
   */
  private readonly sortedNames: string[] = [];
  /** The ordering of String.prototype.localeCompare with no arguments (ECMA-402). */
  private readonly compare = new Intl.Collator().compare;

  constructor(private readonly store: ChatStore) {}

  /** Returns true when this is the user's first connection (they just came online). */
  addConnection(connection: Recipient, userId: number, name: string): boolean {
    let connections = this.connectionsByUser.get(userId);
    const cameOnline = connections === undefined;
    if (!connections) {
      connections = new Set();
      this.connectionsByUser.set(userId, connections);
      this.names.set(userId, name);
      // After any equal names, as a stable sort of the names in coming-online order would put it.
      this.sortedNames.splice(this.firstAfter(name), 0, name);
      for (const room of this.store.roomsOfUser(userId)) this.membersOf(room.id).add(userId);
    }
    connections.add(connection);
    return cameOnline;
  }

  /** Returns true when that was the user's last connection (they went offline). */
  removeConnection(connection: Recipient, userId: number): boolean {
    const connections = this.connectionsByUser.get(userId);
    if (!connections?.delete(connection)) return false;
    if (connections.size > 0) return false;
    this.connectionsByUser.delete(userId);
    const name = this.names.get(userId);
    this.names.delete(userId);
    if (name !== undefined) this.removeName(name);
    for (const room of this.store.roomsOfUser(userId)) {
      const members = this.onlineMembers.get(room.id);
      members?.delete(userId);
      if (members?.size === 0) this.onlineMembers.delete(room.id);
    }
    return true;
  }

  joined(roomId: number, userId: number): void {
    if (this.connectionsByUser.has(userId)) this.membersOf(roomId).add(userId);
  }

  left(roomId: number, userId: number): void {
    this.onlineMembers.get(roomId)?.delete(userId);
  }

  isOnline(userId: number): boolean {
    return this.connectionsByUser.has(userId);
  }

  /** Names of the users online, each once, in locale order. */
  onlineNames(): string[] {
    return this.sortedNames.slice();
  }

  onlineCount(): number {
    return this.connectionsByUser.size;
  }

  /** Sends one already-encoded message to every online member's connections, except `skip`. */
  toRoom(roomId: number, payload: Uint8Array, skip?: Recipient): void {
    const members = this.onlineMembers.get(roomId);
    if (!members) return;
    for (const userId of members) this.toUser(userId, payload, skip);
  }

  toUser(userId: number, payload: Uint8Array, skip?: Recipient): void {
    const connections = this.connectionsByUser.get(userId);
    if (!connections) return;
    for (const connection of connections) if (connection !== skip) connection.deliver(payload);
  }

  /** Sends one already-encoded message to every online connection except those of `userId`. */
  toEveryoneBut(userId: number, payload: Uint8Array): void {
    for (const [id, connections] of this.connectionsByUser) {
      if (id !== userId) for (const connection of connections) connection.deliver(payload);
    }
  }

  /** Index of the first name that does not sort before `name` (binary search). */
  private firstNotBefore(name: string): number {
    return this.firstIndexWhere((other) => this.compare(other, name) >= 0);
  }

  /** Index of the first name that sorts after `name`. */
  private firstAfter(name: string): number {
    return this.firstIndexWhere((other) => this.compare(other, name) > 0);
  }

  /** Binary search in the sorted names for the first one where `holds` (false before it, true from it on). */
  private firstIndexWhere(holds: (name: string) => boolean): number {
    let low = 0;
    let high = this.sortedNames.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (holds(this.sortedNames[middle]!)) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  private removeName(name: string): void {
    // Names that compare equal but differ sit together from firstNotBefore on.
    for (let i = this.firstNotBefore(name); i < this.sortedNames.length; i++) {
      if (this.sortedNames[i] === name) {
        this.sortedNames.splice(i, 1);
        return;
      }
      if (this.compare(this.sortedNames[i]!, name) !== 0) break;
    }
    const anywhere = this.sortedNames.indexOf(name);
    if (anywhere >= 0) this.sortedNames.splice(anywhere, 1);
  }

  private membersOf(roomId: number): Set<number> {
    let members = this.onlineMembers.get(roomId);
    if (!members) {
      members = new Set();
      this.onlineMembers.set(roomId, members);
    }
    return members;
  }
}
