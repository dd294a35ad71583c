import type { Handler } from './handler.ts';

export const users: Handler<'users'> = {
  access: 'user',
  handle(_request, _connection, context) {
    return { online: context.hub.onlineNames() };
  },
};
