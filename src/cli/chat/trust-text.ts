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

export function mismatchText(error: ServerKeyMismatchError, fingerprintSource: string | undefined): string[] {
  const pinnedBy = error.pinFile !== undefined ? `pinned in ${error.pinFile}` : `given by ${fingerprintSource ?? '--fingerprint'}`;
  const lines = [
    `WARNING: the server at ${error.address} presented a different key than expected.`,
    `    expected:  ${error.expected}  (${pinnedBy})`,
    `    presented: ${error.actual}`,
    'Someone may be intercepting the connection, or the server was set up again with a new key.',
    'No password was sent. Check the new fingerprint with whoever runs the server; if the change is expected,',
  ];
  if (error.pinFile !== undefined) {
    lines.push(
      `either remove the "${error.address}" entry from ${error.pinFile},`,
      `or connect once with --fingerprint ${error.actual}`,
    );
  } else {
    lines.push(`connect with --fingerprint ${error.actual} (or fix ${fingerprintSource ?? 'the fingerprint option'}).`);
  }
  return lines;
}
