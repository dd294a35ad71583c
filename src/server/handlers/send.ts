import type { ChatMessage, ServerMessage } from '../../net/schema.ts';
import { RequestError } from '../../net/errors.ts';
import { bodyProblem } from '../../net/body-rules.ts';
import { type Handler, signedIn } from './handler.ts';
import { memberRoom } from './rooms.ts';

export const send: Handler<'send'> = {
  access: 'user',
  async handle(request, connection, context) {
    const user = signedIn(connection);
    const room = memberRoom(request.room, user.id, context);
    const problem = bodyProblem(request.body);
    if (problem) throw new RequestError(problem.code, problem.message);
    const wait = context.messageRate.take(`user:${user.id}`, context.now());
    if (wait > 0) {
      throw new RequestError('rate_limited', `you are sending too fast; wait ${Math.ceil(wait / 1000)} s`, wait);
    }
    // Durable before anyone hears of it: the acknowledgement means "kept".
    const record = await context.store.appendMessage({ roomId: room.id, userId: user.id, body: request.body, sentAt: context.now() });
    // What toChatMessage would look up again in the store: the room and the sender are at hand.
    const message: ChatMessage = { id: record.id, room: room.name, from: user.name, body: record.body, ts: record.sentAt };
    if (context.logBodies) context.log('message', { user: user.name, room: room.name, id: message.id, body: message.body });
    const event: ServerMessage = { type: 'message', message };
    context.presence.announceNow(user.id);
    // Encoded once; each recipient connection only encrypts it.
    context.hub.toRoom(room.id, Buffer.from(JSON.stringify(event)), connection);
    return { message };
  },
};
