import type { ServerMessage } from '../../net/schema.ts';
import { RequestError } from '../../net/errors.ts';
import { validateRoomName } from '../accounts/index.ts';
import { toChatMessage } from '../context.ts';
import { type Handler, signedIn } from './handler.ts';
import { joinedRoomInfo } from './rooms.ts';
import { LOGIN_HISTORY } from './session-start.ts';

export const join: Handler<'join'> = {
  access: 'user',
  async handle(request, connection, context) {
    const user = signedIn(connection);
    const valid = validateRoomName(request.room);
    if (!valid.ok) throw new RequestError('invalid_room', valid.reason);
    const { store, hub } = context;
    const room = store.roomByKey(valid.key) ?? (await store.ensureRoom(valid.name, valid.key, context.now()));
    const already = store.roomsOfUser(user.id).some((joined) => joined.id === room.id);
    if (!already) {
      await store.addMember(room.id, user.id);
      hub.joined(room.id, user.id);
      context.presence.announceNow(user.id);
      const notice: ServerMessage = { type: 'notice', room: room.name, event: 'join', user: user.name, ts: context.now() };
      hub.toRoom(room.id, Buffer.from(JSON.stringify(notice)), connection);
    }
    return {
      room: joinedRoomInfo(room, context),
      history: store.messagesBefore(room.id, undefined, LOGIN_HISTORY).map((m) => toChatMessage(store, m)),
    };
  },
};
