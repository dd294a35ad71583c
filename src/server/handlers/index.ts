// The command table: one handler per request type, each in its own file.
import type { RequestType } from '../../net/schema.ts';
import type { Handler } from './handler.ts';
import { history } from './history.ts';
import { join } from './join.ts';
import { leave } from './leave.ts';
import { login } from './login.ts';
import { logout } from './logout.ts';
import { ping } from './ping.ts';
import { register } from './register.ts';
import { resume } from './resume.ts';
import { rooms } from './rooms.ts';
import { send } from './send.ts';
import { users } from './users.ts';

export const handlers: { [T in RequestType]: Handler<T> } = {
  register,
  login,
  resume,
  logout,
  send,
  join,
  leave,
  rooms,
  users,
  history,
  ping,
};
