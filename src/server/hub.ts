// Who is online and who is in which room, in memory, for fan-out. The store
// holds membership durably; this keeps the working set of online users per
// room so that a room's message is encoded once and then only encrypted per
// recipient connection.

import type { ChatStore } from './store/chat-store.ts';

/** What the hub needs of a connection. */
export interface Recipient {
  readonly userId: number | undefined;
  /** Queues one encoded application message for this connection. */
  deliver(payload: Uint8Array): void;
}

export class Hub {
  /** userId → that user's authenticated connections (two windows = two entries). */
  private readonly connectionsByUser = new Map<number, Set<Recipient>>();
  /** roomId → ids of members who are online now. */
  private readonly onlineMembers = new Map<number, Set<number>>();
  private readonly names = new Map<number, string>();

  constructor(private readonly store: ChatStore) {}

  /** Returns true when this is the user's first connection (they just came online). */
  addConnection(connection: Recipient, userId: number, name: string): boolean {
    let connections = this.connectionsByUser.get(userId);
    const cameOnline = connections === undefined;
    if (!connections) {
      connections = new Set();
      this.connectionsByUser.set(userId, connections);
      this.names.set(userId, name);
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
    this.names.delete(userId);
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

  onlineNames(): string[] {
    return [...this.names.values()].sort((a, b) => a.localeCompare(b));
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

  toEveryone(payload: Uint8Array, skip?: Recipient): void {
    for (const connections of this.connectionsByUser.values()) {
      for (const connection of connections) if (connection !== skip) connection.deliver(payload);
    }
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
