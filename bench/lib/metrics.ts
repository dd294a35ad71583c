// Every figure the suite reports, defined once (label, unit, target) so that
// the securechat and peer suites fill the same rows in either order.

import type { Sizes } from '../sizes.ts';
import type { Row } from './report.ts';

type Definition = Omit<Row, 'id' | 'ours' | 'peer'>;

export function definitions(s: Sizes): Record<string, Definition> {
  const perUser = s.connections / s.users;
  return {
    'store.durable': { section: 'store', metric: 'durable messages/s (group commit, 256 writers)', unit: '/s', higherIsBetter: true },
    'store.open': { section: 'store', metric: `start-up: store open, ${s.storeMessages.toLocaleString('en-US')} messages`, unit: 'ms' },
    'store.server.start': { section: 'store', metric: `start-up: server process start to listening, ${s.storeMessages.toLocaleString('en-US')} messages`, unit: 'ms' },
    'store.page.p99': { section: 'store', metric: `history page of 50 from the store, p99, ${s.storeMessages.toLocaleString('en-US')} messages`, unit: 'ms' },
    // The quick run holds fewer by design: the target applies to the full sizes only.
    'conn.held': {
      section: 'connections',
      metric: `authenticated connections held (${s.users} users × ${perUser})`,
      unit: '',
      ...(s.connections >= 10_000 ? { target: { kind: 'min' as const, value: 10_000, text: '≥ 10,000' } } : {}),
      higherIsBetter: true,
    },
    'conn.first.seconds': { section: 'connections', metric: `time to bring ${s.users} users online`, unit: 's' },
    'conn.rss.1k': { section: 'connections', metric: `server RSS at ${s.users} clients`, unit: 'MiB' },
    'conn.rss.peak': { section: 'connections', metric: `server RSS at ${s.connections} clients`, unit: 'MiB' },
    'conn.per': { section: 'connections', metric: 'RSS per added connection', unit: 'KiB', target: { kind: 'max', value: 100, text: '< 100 KiB' } },
    'fanout.one': { section: 'fan-out', metric: `deliveries/s, ${s.users} clients in one room`, unit: '/s', target: { kind: 'min', value: 200_000, text: '≥ 200,000/s' }, higherIsBetter: true },
    'fanout.one.cpu': { section: 'fan-out', metric: 'server CPU per delivery, one room', unit: 'µs' },
    'fanout.rooms': { section: 'fan-out', metric: `deliveries/s, ${s.rooms} rooms of ${s.roomSize}`, unit: '/s', target: { kind: 'min', value: 200_000, text: '≥ 200,000/s' }, higherIsBetter: true },
    'fanout.rooms.cpu': { section: 'fan-out', metric: `server CPU per delivery, ${s.rooms} rooms`, unit: 'µs' },
    'latency.p50': { section: 'latency', metric: `send → decrypted receipt, p50 (${s.users} clients × 1 msg/s, rooms of ${s.latencyRoomSize})`, unit: 'ms' },
    'latency.p99': { section: 'latency', metric: 'send → decrypted receipt, p99', unit: 'ms', target: { kind: 'max', value: 25, text: '< 25 ms' } },
    'latency.p999': { section: 'latency', metric: 'send → decrypted receipt, p99.9', unit: 'ms' },
    'latency.ack.p99': { section: 'latency', metric: 'send → durable acknowledgement, p99', unit: 'ms' },
    'latency.light.p50': { section: 'latency', metric: 'send → decrypted receipt, p50, at a quarter of that load (0.25 msg/s each)', unit: 'ms' },
    'latency.light.p99': { section: 'latency', metric: 'send → decrypted receipt, p99, at a quarter of that load', unit: 'ms' },
    'storm.seconds': { section: 'sessions', metric: `reconnect storm: ${s.storm} token resumes at once, until all back`, unit: 's' },
    'storm.rate': { section: 'sessions', metric: 'reconnect storm: resumes per second', unit: '/s', higherIsBetter: true },
    'logins.rate': { section: 'sessions', metric: 'password logins/s (scrypt N=2^17, by design)', unit: '/s', higherIsBetter: true },
    'history.net.p99': { section: 'store', metric: 'history page of 50 over the network, p99 round trip', unit: 'ms' },
    'soak.rss.start': { section: 'soak', metric: `server RSS at start of ${s.soakSeconds} s soak`, unit: 'MiB' },
    'soak.rss.end': { section: 'soak', metric: 'server RSS at end of soak', unit: 'MiB' },
    'soak.errors': { section: 'soak', metric: 'errors during soak', unit: '', target: { kind: 'max', value: 0, text: '0' } },
    'fanout.profiled': { section: 'fan-out', metric: 'deliveries/s (profiled run)', unit: '/s', higherIsBetter: true },
    'fanout.profiled.cpu': { section: 'fan-out', metric: 'server CPU per delivery (profiled run)', unit: 'µs' },
  };
}

export class Recorder {
  private readonly defs: Record<string, Definition>;

  constructor(
    readonly rows: Row[],
    sizes: Sizes,
  ) {
    this.defs = definitions(sizes);
  }

  /** Sets ours or the peer's figure of a row, creating the row in its defined order. */
  set(id: string, side: 'ours' | 'peer', value: number, note?: string): void {
    let row = this.rows.find((r) => r.id === id);
    if (!row) {
      const def = this.defs[id];
      if (!def) throw new Error(`no metric ${id}`);
      row = { id, ...def };
      this.rows.push(row);
      const order = Object.keys(this.defs);
      this.rows.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
    }
    row[side] = value;
    if (note !== undefined) row.note = row.note ? `${row.note}; ${side === 'peer' ? 'peer: ' : ''}${note}` : note;
  }
}
