import type { Handler } from './handler.ts';

export const ping: Handler<'ping'> = {
  access: 'any',
  handle(_request, _connection, context) {
    return { ts: context.now() };
  },
};
