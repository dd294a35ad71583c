import type { RoomInfo } from '../../net/schema.ts';
import { RequestError } from '../../net/errors.ts';
import { validateRoomName } from '../accounts/index.ts';
import type { ServerContext } from '../context.ts';
import type { RoomRecord } from '../store/chat-store.ts';
import { type Handler, signedIn } from './handler.ts';

/** A room the user is in, as the wire shows it. */
export function joinedRoomInfo(room: RoomRecord, context: ServerContext): RoomInfo {
  return { name: room.name, members: context.store.memberCount(room.id), joined: true };
}

/** The room a request names, which must exist and have the user as a member. */
export function memberRoom(name: string, userId: number, context: ServerContext): RoomRecord {
  const valid = validateRoomName(name);
  if (!valid.ok) throw new RequestError('invalid_room', valid.reason);
  const room = context.store.roomByKey(valid.key);
  if (!room) throw new RequestError('no_such_room', `there is no room "${valid.name}"`);
  // One primary-key probe per line, rather than reading every room the user is in.
  if (!context.store.isMember(room.id, userId)) {
    throw new RequestError('not_a_member', `you are not in "${room.name}"; /join it first`);
  }
  return room;
}

export const rooms: Handler<'rooms'> = {
  access: 'user',
  handle(_request, connection, context) {
    const user = signedIn(connection);
    const joined = new Set(context.store.roomsOfUser(user.id).map((room) => room.id));
    return {
      rooms: context.store.listRooms().map((room) => ({
        name: room.name,
        members: context.store.memberCount(room.id),
        joined: joined.has(room.id),
      })),
    };
  },
};
