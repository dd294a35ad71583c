// Tracks every setTimeout of this process, so that a timer left behind by a
// closed connection shows up (the server under test runs in the same
// process). Unref'd timers, which the server uses for grace periods, are
// invisible to process.getActiveResourcesInfo(). Import this module before
// anything that starts timers.

export const liveTimers = new Set<NodeJS.Timeout>();

const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

function trackedSetTimeout<A extends unknown[]>(callback: (...args: A) => void, ms?: number, ...args: A): NodeJS.Timeout {
  const timer = realSetTimeout(() => {
    liveTimers.delete(timer);
    callback(...args);
  }, ms);
  liveTimers.add(timer);
  return timer;
}

globalThis.setTimeout = Object.assign(trackedSetTimeout, { __promisify__: realSetTimeout.__promisify__ }) as typeof setTimeout;
globalThis.clearTimeout = ((timer: NodeJS.Timeout | string | number | undefined) => {
  if (typeof timer === 'object') liveTimers.delete(timer);
  realClearTimeout(timer);
}) as typeof clearTimeout;

/** A sleep that is not counted among the live timers. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => realSetTimeout(resolve, ms));
