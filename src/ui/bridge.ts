// The page's side of the bridge: the two global functions the host binds
// (see src/native/bridge-protocol.ts), and the drain loop — the UI's
// equivalent of Tkinter's `window.after` polling.

import { DRAIN_BINDING, DRAIN_INTERVAL_MS, MAX_EVENTS_PER_DRAIN, POST_BINDING, type Bridge, type HostEvent, type UiAction } from '../native/bridge-protocol.ts';

type BoundPost = (action: UiAction) => Promise<unknown>;
type BoundDrain = () => Promise<HostEvent[]>;

/** The host's bindings, when present (they are not in a plain browser tab). */
export function findBridge(scope: object = globalThis): Bridge | undefined {
  const bag = scope as Record<string, unknown>;
  const post = bag[POST_BINDING];
  const drain = bag[DRAIN_BINDING];
  if (typeof post !== 'function' || typeof drain !== 'function') return undefined;
  return { post: (action) => (post as BoundPost)(action), drain: () => (drain as BoundDrain)() };
}

/**
 * Drains the host's queue on a short timer and hands each batch to `onEvents`
 * in order. A full batch means more are waiting: drain again at once. Returns
 * a function that stops the loop.
 */
export function startDraining(bridge: Bridge, onEvents: (events: HostEvent[]) => void, onError: (error: unknown) => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async (): Promise<void> => {
    if (stopped) return;
    let events: HostEvent[] = [];
    try {
      events = await bridge.drain();
    } catch (error) {
      onError(error);
    }
    if (stopped) return;
    if (events.length > 0) onEvents(events);
    timer = setTimeout(() => void tick(), events.length >= MAX_EVENTS_PER_DRAIN ? 0 : DRAIN_INTERVAL_MS);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
