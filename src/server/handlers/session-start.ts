// What login, registration and resume share: a token, the sign-in, and the
// picture a client needs to start (rooms, who is online, recent history).

import { RequestError } from '../../net/errors.ts';
import type { SessionStart } from '../../net/schema.ts';
import { SESSION_TTL_MS, newSessionToken } from '../accounts/index.ts';
import type { Connection } from '../connection.ts';
import { type ServerContext, toChatMessage } from '../context.ts';
import type { SessionRecord, UserRecord } from '../store/chat-store.ts';
import { joinedRoomInfo } from './rooms.ts';

/** Messages of each joined room sent with the session start. */
export const LOGIN_HISTORY = 50;

export async function createSession(user: UserRecord, context: ServerContext): Promise<{ token: string; session: SessionRecord }> {
  const { token, tokenHash } = newSessionToken();
  const now = context.now();
  const session: SessionRecord = { tokenHash, userId: user.id, createdAt: now, expiresAt: now + SESSION_TTL_MS };
  await context.store.createSession(session);
  return { token, session };
}

export function beginSession(
  user: UserRecord,
  token: string,
  session: SessionRecord,
  connection: Connection,
  context: ServerContext,
): SessionStart {
  if (!connection.signIn({ id: user.id, name: user.name, tokenHash: session.tokenHash })) {
    // The client hung up mid-login: its answer has nowhere to go, and it must not linger as online.
    throw new RequestError('not_authenticated', 'the connection closed during login');
  }
  const { store } = context;
  const rooms = store.roomsOfUser(user.id);
  const history: SessionStart['history'] = {};
  for (const room of rooms) {
    history[room.name] = store.messagesBefore(room.id, undefined, LOGIN_HISTORY).map((m) => toChatMessage(store, m));
  }
  context.log('session_started', { connection: connection.id, user: user.name, address: connection.address });
  return {
    user: user.name,
    token,
    expiresAt: session.expiresAt,
    rooms: rooms.map((room) => joinedRoomInfo(room, context)),
    online: context.hub.onlineNames(),
    history,
  };
}
