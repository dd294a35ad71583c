import type { ServerMessage } from '../../net/schema.ts';
import { RequestError } from '../../net/errors.ts';
import { type Handler, signedIn } from './handler.ts';
import { memberRoom } from './rooms.ts';

export const leave: Handler<'leave'> = {
  access: 'user',
  async handle(request, connection, context) {
    const user = signedIn(connection);
    const room = memberRoom(request.room, user.id, context);
    if (room.id === context.generalRoomId) throw new RequestError('cannot_leave', 'everyone stays in general');
    await context.store.removeMember(room.id, user.id);
    context.hub.left(room.id, user.id);
    const notice: ServerMessage = { type: 'notice', room: room.name, event: 'leave', user: user.name, ts: context.now() };
    const payload = Buffer.from(JSON.stringify(notice));
    context.hub.toRoom(room.id, payload);
    // The user's other windows learn that they left too.
    context.hub.toUser(user.id, payload, connection);
    return { room: room.name };
  },
};
