// Source addresses for load clients. Linux routes all of 127.0.0.0/8 to the
// loopback interface, so each client can connect from an address of its own:
// the server's per-address limits (open connections, handshake rate, login
// throttle) then apply to each simulated user as they would to users on
// their own machines, and the server keeps its defaults. Client n gets
// 127.A.B.C with C and B in 1..250, so no address ends in .0 or .255.

const SPAN = 250;

export function loopbackAddress(client: number): string {
  const c = (client % SPAN) + 1;
  const b = (Math.floor(client / SPAN) % SPAN) + 1;
  const a = Math.floor(client / (SPAN * SPAN)) + 1;
  if (a > 126) throw new RangeError(`client ${client} is past the loopback addresses this harness uses`);
  return `127.${a}.${b}.${c}`;
}
