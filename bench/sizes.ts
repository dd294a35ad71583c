// The sizes of a run. Full: the sizes, fitted to ten minutes on a
// 2-core machine. Quick: the same shapes, small, for about a minute.

export interface Sizes {
  mode: 'full' | 'quick';
  /** Distinct accounts online in the main phases, one connection each. */
  users: number;
  /** Connections held at the peak (users × connections per user). */
  connections: number;
  /** Clients in the reconnect storm (users × connections per user). */
  storm: number;
  /** Offered delivery rates, per second, of the fan-out steps. */
  fanoutSteps: number[];
  stepSeconds: number;
  rooms: number;
  roomSize: number;
  latencyRoomSize: number;
  latencySeconds: number;
  loginSeconds: number;
  historySamples: number;
  storeMessages: number;
  durableSeconds: number;
  soakSeconds: number;
  churnUsers: number;
  workers: number;
}

export const FULL: Sizes = {
  mode: 'full',
  users: 1000,
  connections: 10_000,
  storm: 5000,
  fanoutSteps: [12_500, 25_000, 50_000, 100_000, 200_000, 400_000],
  stepSeconds: 3,
  rooms: 100,
  roomSize: 100,
  latencyRoomSize: 50,
  latencySeconds: 20,
  loginSeconds: 10,
  historySamples: 1000,
  storeMessages: 1_000_000,
  durableSeconds: 5,
  soakSeconds: 60,
  churnUsers: 100,
  workers: 2,
};

export const QUICK: Sizes = {
  mode: 'quick',
  users: 100,
  connections: 500,
  storm: 300,
  fanoutSteps: [10_000, 20_000, 40_000],
  stepSeconds: 1.5,
  rooms: 10,
  roomSize: 50,
  latencyRoomSize: 50,
  latencySeconds: 3,
  loginSeconds: 1,
  historySamples: 200,
  storeMessages: 50_000,
  durableSeconds: 1,
  soakSeconds: 5,
  churnUsers: 10,
  workers: 2,
};
