// Plain words for the ways a connection attempt fails before any session.

import { ChannelError } from '../../net/errors.ts';

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running, on this port?)',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved (no network?)',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'the connection was reset',
};

export function connectFailure(error: Error, address: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && SOCKET_ERRORS[code] !== undefined) return `cannot connect to ${address}: ${SOCKET_ERRORS[code]}`;
  if (error instanceof ChannelError) return `cannot connect to ${address}: ${error.message}`;
  return `cannot connect to ${address}: ${error.message}`;
}
