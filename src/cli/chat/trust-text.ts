// The words shown about server keys: on first contact, on a pin, and on a
// mismatch, where they must make plain what happened and how to recover.

import type { ServerKeyMismatchError } from '../../net/errors.ts';

export function firstContactText(address: string, fingerprint: string): string[] {
  return [
    `First connection to ${address}. The server's key fingerprint is:`,
    `    ${fingerprint}`,
    'Compare it with the one the server printed when it started (ask whoever runs it).',
  ];
}

/**
 * `fingerprintSource` names where a fingerprint given by the person came from
 * (--fingerprint, SECURECHAT_FINGERPRINT, the config file); undefined when the
 * expected key is the one pinned in `pinFile`.
 */
export function mismatchText(error: ServerKeyMismatchError, fingerprintSource: string | undefined, pinFile: string): string[] {
  const givenByPerson = fingerprintSource !== undefined && error.pinFile === undefined;
  const file = error.pinFile ?? pinFile;
  const pinnedBy = givenByPerson ? `given by ${fingerprintSource}` : `pinned in ${file}`;
  const lines = [
    `WARNING: the server at ${error.address} presented a different key than expected.`,
    `    expected:  ${error.expected}  (${pinnedBy})`,
    `    presented: ${error.actual}`,
    'Someone may be intercepting the connection, or the server was set up again with a new key.',
    'No password was sent. Check the new fingerprint with whoever runs the server; if the change is expected,',
  ];
  if (givenByPerson) {
    lines.push(`connect with --fingerprint ${error.actual} (or correct ${fingerprintSource}).`);
  } else {
    lines.push(
      `either remove the "${error.address}" entry from ${file},`,
      `or connect once with --fingerprint ${error.actual} (which replaces the pin).`,
    );
  }
  return lines;
}
