import { RequestError } from '../../net/errors.ts';
import { hashToken } from '../accounts/index.ts';
import type { Handler } from './handler.ts';
import { beginSession } from './session-start.ts';

export const resume: Handler<'resume'> = {
  access: 'guest',
  handle(request, connection, context) {
    const session = context.store.sessionByTokenHash(hashToken(request.token));
    const user = session && session.expiresAt > context.now() ? context.store.userById(session.userId) : undefined;
    if (!session || !user) throw new RequestError('invalid_token', 'this session has expired or was ended; log in again');
    return beginSession(user, request.token, session, connection, context);
  },
};
