// Applies one mutation to the in-memory database. The live path and journal
// replay both come through here, so a replayed journal rebuilds exactly the
// state that was acknowledged.

import type { Mutation } from './journal-records.ts';
import type { Queries } from './queries.ts';

/** Returns the number of rows changed (0 means the mutation was a no-op). */
export function applyMutation(q: Queries, m: Mutation): number {
  switch (m.kind) {
    case 'createUser':
      return q.insertUser(m.user);
    case 'importUsers':
      return q.transaction(() => m.users.reduce((n, user) => n + q.insertUser(user), 0));
    case 'createSession':
      return q.insertSession(m.session);
    case 'deleteSession':
      return q.deleteSession(m.tokenHash);
    case 'deleteExpiredSessions':
      return q.deleteExpired(m.now);
    case 'createRoom':
      return q.insertRoom(m.room);
    case 'addMember':
      return q.addMember(m.roomId, m.userId);
    case 'removeMember':
      return q.removeMember(m.roomId, m.userId);
    case 'appendMessage':
      return q.insertMessage(m.message);
  }
}
