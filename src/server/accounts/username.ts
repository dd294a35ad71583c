// Usernames and room names: the entry points over name-rules.ts.

import { validateName, type NameResult } from './name-rules.ts';

export type { NameResult } from './name-rules.ts';

export const USERNAME_MIN_CHARS = 3;
export const USERNAME_MAX_CHARS = 32;
export const ROOM_NAME_MIN_CHARS = 1;
export const ROOM_NAME_MAX_CHARS = 32;

/**
 * Checks and normalises a username. `name` is what to store and show (NFKC),
 * `key` the case-insensitive uniqueness key ("Alice", "ALICE" and the
 * fullwidth "ａｌｉｃｅ" share one). `reason` is a sentence for the user.
 */
export function validateUsername(raw: string): NameResult {
  return validateName(raw, { label: 'the username', minChars: USERNAME_MIN_CHARS, maxChars: USERNAME_MAX_CHARS });
}

/** A leading number sign, in any of the forms that NFKC turns into `#`. */
const LEADING_HASH = /^[#\uFE5F\uFF03]/u;

/**
 * Room names that passed, as sent: every chat line names its room, and the
 * script and confusable checks cost more than the rest of the line's
 * handling in the store. Bounded; emptied when full.
 */
const validRoomNames = new Map<string, NameResult>();
const MAX_REMEMBERED_ROOM_NAMES = 4096;

/** Same rules as usernames, 1 to 32 characters; one leading `#` is dropped ("#general" is "general"). */
export function validateRoomName(raw: string): NameResult {
  const remembered = validRoomNames.get(raw);
  if (remembered) return remembered;
  const bare = typeof raw === 'string' ? raw.replace(LEADING_HASH, '') : raw;
  const result = validateName(bare, { label: 'the room name', minChars: ROOM_NAME_MIN_CHARS, maxChars: ROOM_NAME_MAX_CHARS });
  if (result.ok) {
    if (validRoomNames.size >= MAX_REMEMBERED_ROOM_NAMES) validRoomNames.clear();
    validRoomNames.set(raw, result);
  }
  return result;
}
