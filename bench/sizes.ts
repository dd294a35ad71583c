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
  /** Also measure latency at a quarter of the load (the full run does; the quick one has no time for it). */
  latencyLight: boolean;
  loginSeconds: number;
  historySamples: number;
  storeMessages: number;
  durableSeconds: number;
  soakSeconds: number;
  churnUsers: number;
  workers: number;
  /** Longest a connection phase (users online, up to the peak, the storm's return) may take: a busy machine shortens it and the report says so. */
  timeBoxSeconds: number;
}

export const FULL: Sizes = {
  mode: 'full',
  users: 1000,
  connections: 10_000,
  storm: 5000,
  fanoutSteps: [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000],
  stepSeconds: 2,
  rooms: 100,
  roomSize: 100,
  latencyRoomSize: 50,
  latencySeconds: 6,
  latencyLight: true,
  loginSeconds: 10,
  historySamples: 1000,
  storeMessages: 1_000_000,
  durableSeconds: 5,
  soakSeconds: 30,
  churnUsers: 100,
  workers: 2,
  timeBoxSeconds: 100,
};

export const QUICK: Sizes = {
  mode: 'quick',
  users: 100,
  connections: 500,
  storm: 300,
  fanoutSteps: [8_000, 32_000],
  stepSeconds: 1,
  rooms: 10,
  roomSize: 50,
  latencyRoomSize: 50,
  latencySeconds: 3,
  latencyLight: false,
  loginSeconds: 1,
  historySamples: 200,
  storeMessages: 50_000,
  durableSeconds: 1,
  soakSeconds: 5,
  churnUsers: 10,
  workers: 2,
  timeBoxSeconds: 20,
};
