// What every request handler may use: one object, built once by the server.

import type { LoginThrottle, RateLimiter } from './accounts/index.ts';
import type { Hub } from './hub.ts';
import type { Logger } from './log.ts';
import type { PresenceAnnouncer } from './presence.ts';
import type { ChatStore, MessageRecord } from './store/chat-store.ts';
import type { ChatMessage } from '../net/schema.ts';

export interface ServerContext {
  store: ChatStore;
  hub: Hub;
  /** Sign-ins and sign-outs, announced to everyone a few times a second at most. */
  presence: PresenceAnnouncer;
  log: Logger;
  /** Operators may opt in to logging message bodies; off by default. */
  logBodies: boolean;
  loginThrottle: LoginThrottle;
  /** Per-user chat message rate. */
  messageRate: RateLimiter;
  generalRoomId: number;
  /** Set when the server stops: everyone is leaving at once, so nobody is told who went offline. */
  shuttingDown: boolean;
  now(): number;
}

/** A stored message as the wire shows it. */
export function toChatMessage(store: ChatStore, record: MessageRecord): ChatMessage {
  return {
    id: record.id,
    room: store.roomById(record.roomId)?.name ?? '?',
    from: store.userById(record.userId)?.name ?? '?',
    body: record.body,
    ts: record.sentAt,
  };
}
