// Turns one decrypted application message into a handler call: decode and
// validate, check the handler's preconditions, run it, answer with its result
// or a typed error. Messages that do not validate end the connection
// (DESIGN.md, wire protocol §3); errors of meaning (a name taken, a body too
// long) are answered and the connection stays.

import { isUtf8 } from 'node:buffer';
import { ProtocolError, RequestError } from '../net/errors.ts';
import { type ErrorCode, type Request, type RequestType, type ServerMessage, decodeRequest } from '../net/schema.ts';
import type { Connection } from './connection.ts';
import type { ServerContext } from './context.ts';
import type { Handler } from './handlers/handler.ts';
import { handlers } from './handlers/index.ts';
import { hasLoneSurrogate } from './accounts/text.ts';
import { StoreError } from './store/chat-store.ts';

const AUTH_REQUESTS = new Set<RequestType>(['register', 'login', 'resume', 'logout']);
/** Decoding failures that mean the message does not validate, and so end the connection. */
const MALFORMED = new Set<ErrorCode>(['bad_request', 'unknown_type']);

export function dispatch(bytes: Buffer, connection: Connection, context: ServerContext): void {
  let request: Request;
  try {
    // JSON text is UTF-8 (RFC 8259 §8.1). Decoding invalid bytes with
    // replacement characters would store something other than what was sent,
    // and no client built on JSON.stringify sends them: such a message does
    // not validate, and ends the connection like any other (RFC 6455 §8.1
    // does the same for WebSocket text).
    if (!isUtf8(bytes)) throw new ProtocolError('bad_request', 'message is not valid UTF-8');
    request = decodeRequest(bytes.toString('utf8'));
  } catch (error) {
    const problem = error instanceof ProtocolError ? error : new ProtocolError('bad_request', 'undecodable message');
    const reply: ServerMessage = { type: 'error', code: problem.code, message: problem.message };
    if (problem.requestId !== undefined) reply.id = problem.requestId;
    connection.send(reply);
    // A well-formed request with a field over its bound (a 300-character
    // username) is an error of meaning: answered above, the connection stays.
    if (!MALFORMED.has(problem.code)) return;
    context.log('protocol_error', { connection: connection.id, address: connection.address, code: problem.code, reason: problem.message });
    connection.close(`protocol error: ${problem.message}`);
    return;
  }
  void run(request, connection, context);
}

async function run(request: Request, connection: Connection, context: ServerContext): Promise<void> {
  const handler = handlers[request.type] as Handler<RequestType>;
  const isAuth = AUTH_REQUESTS.has(request.type);
  try {
    checkAccess(handler, connection);
    checkText(request);
    if (isAuth) {
      if (connection.authBusy) throw new RequestError('bad_request', 'another login request is still being processed');
      connection.authBusy = true;
    }
    const result = await handler.handle(request as never, connection, context);
    connection.send({ type: 'result', id: request.id, for: request.type, result } as ServerMessage);
  } catch (error) {
    connection.send({ type: 'error', id: request.id, ...describe(error, request.type, context) });
  } finally {
    if (isAuth) connection.authBusy = false;
  }
}

function checkAccess(handler: Handler<RequestType>, connection: Connection): void {
  if (handler.access === 'user' && !connection.user) {
    throw new RequestError('not_authenticated', 'log in first');
  }
  if (handler.access === 'guest' && connection.user) {
    throw new RequestError('already_authenticated', 'you are already logged in; log out first');
  }
}

/**
 * Every string of a request must be Unicode text (I-JSON, RFC 7493 §2.1).
 * A lone surrogate (a \ud800 escape that is not half of a pair, as when a
 * client cuts an emoji in two) has no UTF-8 form, so no store can keep it as
 * sent (sql.js turns it into U+FFFD): the request is refused, naming the
 * field. The message itself was well-formed JSON, so the connection stays.
 */
function checkText(request: Request): void {
  for (const [field, value] of Object.entries(request)) {
    if (typeof value === 'string' && hasLoneSurrogate(value)) {
      throw new RequestError(
        'bad_request',
        `"${field}" contains invalid text (an unpaired UTF-16 surrogate, such as half of an emoji); nothing was done`,
      );
    }
  }
}

function describe(
  error: unknown,
  type: RequestType,
  context: ServerContext,
): { code: RequestError['code']; message: string; retryAfterMs?: number } {
  if (error instanceof RequestError) {
    return error.retryAfterMs === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, retryAfterMs: error.retryAfterMs };
  }
  if (error instanceof StoreError && error.code === 'unavailable') {
    return { code: 'store_unavailable', message: 'the server cannot save right now; nothing was saved, try again shortly' };
  }
  context.log('handler_failed', { request: type, error: (error as Error).message });
  return { code: 'internal', message: 'the server failed to handle this request' };
}
