import { toChatMessage } from '../context.ts';
import { type Handler, signedIn } from './handler.ts';
import { memberRoom } from './rooms.ts';

const DEFAULT_PAGE = 50;

export const history: Handler<'history'> = {
  access: 'user',
  handle(request, connection, context) {
    const user = signedIn(connection);
    const room = memberRoom(request.room, user.id, context);
    const limit = request.limit ?? DEFAULT_PAGE;
    const { store } = context;
    // One more than asked tells whether there is more.
    const records =
      request.after !== undefined
        ? store.messagesAfter(room.id, request.after, limit + 1)
        : store.messagesBefore(room.id, request.before, limit + 1);
    const more = records.length > limit;
    // "after" pages run forwards (drop the newest extra), "before" pages backwards (drop the oldest).
    const page = !more ? records : request.after !== undefined ? records.slice(0, limit) : records.slice(1);
    return { room: room.name, messages: page.map((m) => toChatMessage(store, m)), more };
  },
};
