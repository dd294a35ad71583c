// The shape of a request handler. Preconditions (logged in or not) are
// declared here and checked in one place, the dispatcher, before any
// handler runs. Handlers fail by throwing RequestError with a wire code.

import type { RequestOf, RequestType, ResultMap } from '../../net/schema.ts';
import type { Connection } from '../connection.ts';
import type { ServerContext } from '../context.ts';

export type Access = 'guest' | 'user' | 'any';

export interface Handler<T extends RequestType> {
  access: Access;
  handle(request: RequestOf<T>, connection: Connection, context: ServerContext): Promise<ResultMap[T]> | ResultMap[T];
}

/** Narrows `connection.user` for handlers whose access is 'user'. */
export function signedIn(connection: Connection): NonNullable<Connection['user']> {
  const user = connection.user;
  if (!user) throw new Error('handler with access "user" ran without a user');
  return user;
}
