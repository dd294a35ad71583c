// How long a client waits before reconnect attempt n (0-based) after a drop.
//
// Two phases. The first FAST_ATTEMPTS attempts come every 250–750 ms (mean
// 0.5 s), covering at least the first 2.5 s (5 s on average): a graceful
// restart or a network blip is over by then, and the client is back within
// 0.75 s of the server. Only then does the delay grow, doubling from 1–2 s
// up to 15–30 s, for a server that is really down.
//
// Every delay is jittered (uniform between half the ceiling and the ceiling,
// "equal jitter"), so a crowd of clients that lost the same server spreads
// out: 1,000 clients return over ~0.75 s instead of in one instant, and while
// the server is down each costs at most 4 refused connects a second for
// those first seconds, then fewer and fewer. The floor keeps a client from
// burning through the fast attempts in a few milliseconds.
//
// (It used to be full jitter doubling from 0.5 s from the first attempt: after
// a 2 s restart one client could be waiting out an 8 s step and come back 12 s
// late while its neighbour was back in 2 s.)

export const FAST_ATTEMPTS = 10;
const FAST_MIN_MS = 250;
const FAST_MAX_MS = 750;
const SLOW_BASE_MS = 2_000;
export const CAP_MS = 30_000;

export function nextReconnectDelay(attempt: number, random: () => number = Math.random): number {
  if (attempt < FAST_ATTEMPTS) return Math.round(FAST_MIN_MS + (FAST_MAX_MS - FAST_MIN_MS) * random());
  const ceiling = Math.min(CAP_MS, SLOW_BASE_MS * 2 ** Math.min(attempt - FAST_ATTEMPTS, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
