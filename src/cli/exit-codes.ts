// Exit statuses of the `securechat` command, stable for scripts.
export const EXIT_OK = 0;
/** Something failed at run time: connection refused, wrong password, name taken, a message not acknowledged. */
export const EXIT_FAILURE = 1;
/** The command line, an environment variable or the config file was wrong; nothing was attempted. */
export const EXIT_USAGE = 2;
/** The server presented a key other than the pinned one; no password was sent. */
export const EXIT_SERVER_KEY_MISMATCH = 3;
/** Interrupted by the user (128 + SIGINT), following the shell convention. */
export const EXIT_INTERRUPTED = 130;
