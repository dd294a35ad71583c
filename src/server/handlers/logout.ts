import type { Handler } from './handler.ts';
import { signedIn } from './handler.ts';

export const logout: Handler<'logout'> = {
  access: 'user',
  async handle(_request, connection, context) {
    const user = signedIn(connection);
    // Other connections of the same user keep their own sessions.
    await context.store.deleteSession(user.tokenHash);
    connection.signOut();
    context.log('logged_out', { connection: connection.id, user: user.name });
    return {};
  },
};
