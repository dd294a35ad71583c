// Errors that cross a boundary carry a stable code: the wire error codes for
// protocol problems, and a small closed set for the channel below them.

import type { ErrorCode } from './schema.ts';

/** A request or message that broke the application protocol. */
export class ProtocolError extends Error {
  /** The id of the request that caused it, when it could be read. */
  requestId: number | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export type ChannelErrorCode =
  | 'frame_too_large' // a length prefix over the limit
  | 'message_too_large' // a reassembled application message over the limit
  | 'handshake_failed' // malformed or unauthenticated handshake message
  | 'decrypt_failed' // a transport message failed authentication
  | 'nonce_exhausted'
  | 'server_key_mismatch' // the pinned key and the presented key differ
  | 'server_key_rejected' // first contact: the user chose not to trust the key
  | 'timeout'
  | 'closed';

/** A failure of the encrypted channel: always ends the connection. */
export class ChannelError extends Error {
  constructor(
    readonly code: ChannelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

/** The server presented a key other than the one pinned (or given with --fingerprint). */
export class ServerKeyMismatchError extends ChannelError {
  constructor(
    readonly address: string,
    readonly expected: string,
    readonly actual: string,
    /** Where the pin lives, so the message can say how to reset it; undefined when pinned by option. */
    readonly pinFile: string | undefined,
  ) {
    super(
      'server_key_mismatch',
      `the server at ${address} presented key ${actual}, but ${expected} was expected` +
        (pinFile
          ? `. If the server's key was changed on purpose, remove the "${address}" entry from ${pinFile} and connect again.`
          : '. Check the fingerprint you were given.'),
    );
    this.name = 'ServerKeyMismatchError';
  }
}

/** The server answered a request with a typed error. */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
