// Progress on standard error while the suite runs: one line per step, with
// the time since the start, so that a ten-minute run is never silent.

const started = performance.now();

export function elapsed(): string {
  const s = (performance.now() - started) / 1000;
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`;
}

export function progress(section: string, text: string): void {
  process.stderr.write(`[${elapsed()}] ${section}: ${text}\n`);
}

/** Logs `text()` every `everyMs` until stopped: for long steps whose counters move. */
export function ticker(section: string, text: () => string, everyMs = 5000): () => void {
  const timer = setInterval(() => progress(section, text()), everyMs);
  return () => clearInterval(timer);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
