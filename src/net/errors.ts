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
