import { RequestError } from '../../net/errors.ts';
import { hashPassword, validatePassword, validateUsername } from '../accounts/index.ts';
import { StoreError } from '../store/chat-store.ts';
import type { Handler } from './handler.ts';
import { beginSession, createSession } from './session-start.ts';

export const register: Handler<'register'> = {
  access: 'guest',
  async handle(request, connection, context) {
    const username = validateUsername(request.username);
    if (!username.ok) throw new RequestError('invalid_username', username.reason);
    const password = validatePassword(request.password);
    if (!password.ok) throw new RequestError('invalid_password', password.reason);
    const taken = () => new RequestError('username_taken', `the name "${username.name}" is already taken`);
    if (context.store.userByKey(username.key)) throw taken();
    const passwordHash = await hashPassword(password.password);
    let user;
    try {
      user = await context.store.createUser({
        name: username.name,
        nameKey: username.key,
        passwordHash,
        createdAt: context.now(),
      });
    } catch (error) {
      // Another registration of the same name finished while this one hashed.
      if (error instanceof StoreError && error.code === 'duplicate') throw taken();
      throw error;
    }
    await context.store.addMember(context.generalRoomId, user.id);
    context.log('user_registered', { connection: connection.id, user: user.name });
    const { token, session } = await createSession(user, context);
    return beginSession(user, token, session, connection, context);
  },
};
