// What makes a chat line's body unsendable, in one place: the server refuses
// it with these codes and words, and the clients refuse it the same way
// before it leaves (the terminal client before it is shown as said).

import { MAX_BODY_BYTES } from './limits.ts';

export interface BodyProblem {
  code: 'empty_body' | 'body_too_long';
  message: string;
}

/** Over MAX_BODY_BYTES bytes of UTF-8; undefined when it fits. */
export function oversizeBody(body: string): BodyProblem | undefined {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes <= MAX_BODY_BYTES) return undefined;
  return { code: 'body_too_long', message: `the message is ${bytes} bytes; the limit is ${MAX_BODY_BYTES}` };
}

/** Nothing but white space, or too long; undefined when the body may be sent. */
export function bodyProblem(body: string): BodyProblem | undefined {
  if (body.trim().length === 0) return { code: 'empty_body', message: 'the message is empty' };
  return oversizeBody(body);
}
