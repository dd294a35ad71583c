// How lines look: "[HH:MM:SS] name: text" for messages and
// "[HH:MM:SS] * text" for server notices, in local time. Everything that came
// from the server passes through neutralise() here, and only here.

import type { ChatMessage } from '../../net/schema.ts';
import { neutralise } from './sanitize.ts';
import type { Paint } from './style.ts';

export function clock(ts: number): string {
  const date = new Date(ts);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `[${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}]`;
}

/** The plain, one-line form used by scripted mode: exactly one output line per message. */
export function plainMessage(message: Pick<ChatMessage, 'ts' | 'from' | 'body'>): string {
  return `${clock(message.ts)} ${neutralise(message.from)}: ${neutralise(message.body)}`;
}

export function plainNotice(ts: number, text: string): string {
  return `${clock(ts)} * ${neutralise(text)}`;
}

export interface MessageView {
  /** Sent by the user of this terminal (from here or another of their windows). */
  own: boolean;
  /** Shown as "[room]" when the message is not in the room being viewed. */
  roomLabel?: string;
  /** Fetched after a reconnect. */
  missed?: boolean;
  /** Typed while the connection was down: not sent yet (dim, not green, marked "(queued)"). */
  queued?: boolean;
}

/** The coloured form of the interactive client; multi-line bodies continue on indented lines. */
export function styledMessage(message: Pick<ChatMessage, 'ts' | 'from' | 'body'>, view: MessageView, paint: Paint): string {
  const time = clock(message.ts);
  const room = view.roomLabel === undefined ? '' : `[${neutralise(view.roomLabel)}] `;
  const head = `${room}${neutralise(message.from)}: `;
  const indent = ' '.repeat(time.length + 1 + 2);
  const body = neutralise(message.body, { newline: { indent } });
  const marker = view.missed === true ? paint('dim', ' (missed)') : view.queued === true ? paint('dim', ' (queued)') : '';
  const role = view.queued === true ? 'dim' : view.own ? 'own' : 'other';
  return `${paint('dim', time)} ${paint(role, head + body)}${marker}`;
}

/** A quiet status line, all dim: "sent: …" once a queued line is stored (`ts` is then the server's time). */
export function styledStatus(ts: number, text: string, paint: Paint): string {
  return paint('dim', `${clock(ts)} ${neutralise(text)}`);
}

export function styledNotice(ts: number, text: string, paint: Paint): string {
  return `${paint('dim', clock(ts))} ${paint('notice', `* ${neutralise(text)}`)}`;
}

export function styledError(ts: number, text: string, paint: Paint): string {
  return `${paint('dim', clock(ts))} ${paint('error', `! ${neutralise(text)}`)}`;
}
