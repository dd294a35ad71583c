// Exponential backoff with "full jitter" (AWS architecture blog): spreads a
// crowd of clients that lost the same server so that they do not all return
// in the same instant.

const BASE_MS = 500;
const CAP_MS = 30_000;

export function nextReconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(CAP_MS, BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.max(100, Math.round(ceiling * random()));
}
