import { RequestError } from '../../net/errors.ts';
import { validateUsername, verifyAgainstDummy, verifyPassword } from '../accounts/index.ts';
import type { Handler } from './handler.ts';
import { beginSession, createSession } from './session-start.ts';

const INVALID = 'wrong username or password';

export const login: Handler<'login'> = {
  access: 'guest',
  async handle(request, connection, context) {
    const username = validateUsername(request.username);
    // An invalid name is throttled and answered like any unknown one.
    const accountKey = username.ok ? username.key : request.username.normalize('NFKC').toLowerCase();
    const { loginThrottle } = context;
    const verdict = loginThrottle.check(accountKey, connection.address, context.now());
    if (!verdict.allowed) {
      throw new RequestError(
        'throttled',
        `too many failed logins; try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s`,
        verdict.retryAfterMs,
      );
    }
    const user = username.ok ? context.store.userByKey(username.key) : undefined;
    // Unknown users cost one scrypt too, so timing does not tell which names exist.
    const valid = user
      ? await verifyPassword(request.password.normalize('NFKC'), user.passwordHash)
      : await verifyAgainstDummy(request.password);
    if (!user || !valid) {
      loginThrottle.recordFailure(accountKey, connection.address, context.now());
      context.log('login_failed', { connection: connection.id, address: connection.address });
      throw new RequestError('invalid_credentials', INVALID);
    }
    loginThrottle.recordSuccess(accountKey, connection.address, context.now());
    const { token, session } = await createSession(user, context);
    return beginSession(user, token, session, connection, context);
  },
};
