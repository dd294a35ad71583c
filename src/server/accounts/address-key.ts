// The key under which a client address is throttled and rate-limited.
// One IPv4 address is one key. For IPv6 the key is the /64 prefix: a single
// host usually owns a whole /64 (SLAAC, privacy addresses), so keying on the
// full address would hand an attacker 2^64 fresh keys. IPv4-mapped IPv6
// addresses (::ffff:192.0.2.1, as a dual-stack listener reports IPv4
// clients) are keyed as the IPv4 address they carry.

import { isIPv4, isIPv6 } from 'node:net';

export function clientAddressKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined || remoteAddress === '') return 'unknown';
  const address = remoteAddress.replace(/%.*$/, ''); // drop an IPv6 zone id (fe80::1%eth0)
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return `other:${address.slice(0, 64)}`;
  const groups = expandIPv6(address);
  const isMappedIPv4 = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (isMappedIPv4) {
    const [high, low] = [groups[6]!, groups[7]!];
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** Eight 16-bit groups of a valid IPv6 address (`::` and a dotted-quad tail included). */
function expandIPv6(address: string): number[] {
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}
