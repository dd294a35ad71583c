// Sizes that both ends of the protocol agree on.

/** Default TCP port of the server. */
export const DEFAULT_PORT = 5555;

/** A Noise message is at most 65,535 bytes (Noise spec §3); the frame length prefix is 2 bytes. */
export const MAX_NOISE_MESSAGE = 65535;

/** ChaChaPoly and AESGCM tags are 16 bytes. */
export const NOISE_TAG_BYTES = 16;

/**
 * Longest chat message body, in UTF-8 bytes. JSON escaping can grow a body
 * up to six-fold (control characters become \u00XX), and a request must
 * still fit one Noise message, so the limit stays well under 65535 / 6.
 */
export const MAX_BODY_BYTES = 8192;

/** Largest application message the server accepts from a client (one request). */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

/** Largest application message a client accepts (a history page or a login's backlog). */
export const MAX_SERVER_MESSAGE_BYTES = 8 * 1024 * 1024;

/** Prologue bound into the handshake hash: both sides must agree on protocol and version. */
export const NOISE_PROLOGUE = 'securechat/2 Noise_NX_25519_ChaChaPoly_SHA256';
export const NOISE_PROTOCOL_NAME = 'Noise_NX_25519_ChaChaPoly_SHA256';
