// The scrolling log of one room. New lines scroll into view while the reader
// is at the bottom (the view stays pinned there while lines are laid out and
// wrap); when they have scrolled up to read, new lines do not move the view
// and a "new messages" marker appears instead.
//
// Every name and body is rendered as text nodes (control and bidi characters
// shown as escapes, each name and body an isolated <bdi>) (preact escapes it); nothing
// here builds markup from strings, and URLs are not turned into links (a link
// would navigate the app's own window away).

import { html } from 'htm/preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { LogLine } from '../state.ts';
import { dayKey, formatDay, formatFullTime, formatTime } from '../format.ts';
import { SafeText } from './SafeText.ts';

/** How close to the bottom (px) still counts as "at the bottom". */
const STICKY_PX = 40;

/**
 * `offline`: the connection is down, so a pending line waits for it (the
 * socket thread keeps it and sends it once the session has resumed).
 */
function Line({ line, offline }: { line: LogLine; offline: boolean }) {
  const waiting = offline && line.status === 'pending';
  const classes = `line ${line.kind}${line.status ? ` ${line.status}` : ''}${waiting ? ' waiting' : ''}`;
  const showName = line.kind === 'own' || line.kind === 'other';
  return html`
    <div class=${classes} data-id=${line.id}>
      <time class="ts" datetime=${new Date(line.ts).toISOString()} title=${formatFullTime(line.ts)}>${formatTime(line.ts)}</time>
      ${showName ? html`<bdi class="from"><${SafeText} text=${line.from ?? ''} /></bdi>` : null}
      <bdi class="body"><${SafeText} text=${line.body} /></bdi>
      ${line.status === 'pending'
        ? waiting
          ? html`<span class="line-state" title="Not connected: the line will be sent once the connection is back" aria-label="waiting for the connection">queued</span>`
          : html`<span class="line-state" title="Sending…" aria-label="sending">…</span>`
        : null}
      ${line.status === 'failed' ? html`<span class="line-state" title="Not sent" aria-label="not sent">!</span>` : null}
    </div>
  `;
}

export function MessageLog({ room, lines, more, onOlder, offline = false }: { room: string; lines: LogLine[]; more: boolean; onOlder: () => void; offline?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  /** Whether the view follows the newest line (the reader has not scrolled up). */
  const pinned = useRef(true);
  /** The scrollTop the view was last pinned at: a scroll event at or below it is not the reader scrolling up. */
  const pinnedTop = useRef(0);
  const shownRoom = useRef<string | null>(null);
  const [unseen, setUnseen] = useState(false);
  const last = lines[lines.length - 1];
  const first = lines[0];
  const previousFirst = useRef<{ key: string | undefined; height: number }>({ key: undefined, height: 0 });

  const pin = (element: HTMLElement): void => {
    element.scrollTop = element.scrollHeight;
    pinnedTop.current = element.scrollTop;
    pinned.current = true;
  };

  // The height is not final when a render's layout effect runs: lines out of
  // view (`content-visibility: auto`) are laid out at an estimated 22 px until
  // they are drawn, so a wrapping line grows afterwards, and WebKitGTK may
  // clamp the first scroll against the estimate (the log then opened at its
  // oldest line). So the view is pinned again whenever the content or the
  // log's own box changes size, as long as the reader has not scrolled up.
  useLayoutEffect(() => {
    const element = box.current;
    const inner = content.current;
    if (!element || !inner || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(() => {
      if (pinned.current) pin(element);
    });
    observer.observe(element);
    observer.observe(inner);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const switched = shownRoom.current !== room;
    shownRoom.current = room;
    const prepended = !switched && first?.key !== previousFirst.current.key && previousFirst.current.key !== undefined && lines.some((l) => l.key === previousFirst.current.key);
    if (switched || pinned.current || (last?.kind === 'own' && last.status === 'pending')) {
      pin(element);
      setUnseen(false);
    } else if (prepended) {
      // Older lines were added above: keep the reader's place.
      element.scrollTop += element.scrollHeight - previousFirst.current.height;
    } else {
      setUnseen(true);
    }
    previousFirst.current = { key: first?.key, height: element.scrollHeight };
  }, [room, last?.key, first?.key, lines.length]);

  const onScroll = (): void => {
    const element = box.current;
    if (!element) return;
    if (element.scrollHeight - element.scrollTop - element.clientHeight < STICKY_PX) {
      pinned.current = true;
      setUnseen(false);
    } else if (pinned.current && element.scrollTop >= pinnedTop.current - 1) {
      // Not moved up since it was pinned: the content grew under the view
      // (lines drawn at their real height), the reader did not scroll away.
      pin(element);
    } else {
      pinned.current = false;
    }
  };
  const toBottom = (): void => {
    const element = box.current;
    if (!element) return;
    pin(element);
    setUnseen(false);
  };

  return html`
    <div class="log-wrap">
      <div class="log" ref=${box} onScroll=${onScroll} role="log" aria-live="polite" aria-label=${`Messages in #${room}`} tabindex="0">
        <div class="log-lines" ref=${content}>
          ${more && lines.length > 0 ? html`<button type="button" class="older" onClick=${onOlder}>Load older messages</button>` : null}
          ${lines.length === 0 ? html`<p class="empty">No messages in #${room} yet. Say hello!</p>` : null}
          ${lines.map((line, i) =>
            i === 0 || dayKey(lines[i - 1]!.ts) !== dayKey(line.ts)
              ? [html`<div class="day" role="separator" key=${`day-${line.key}`}><span>${formatDay(line.ts)}</span></div>`, html`<${Line} key=${line.key} line=${line} offline=${offline} />`]
              : html`<${Line} key=${line.key} line=${line} offline=${offline} />`,
          )}
        </div>
      </div>
      ${unseen ? html`<button type="button" class="new-messages" onClick=${toBottom}>New messages ↓</button>` : null}
    </div>
  `;
}
