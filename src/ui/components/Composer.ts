// The message input: Enter sends, Shift+Enter adds a newline, Up recalls the
// lines sent before (Down goes forward again), like a shell.

import { html } from 'htm/preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface ComposerProps {
  room: string;
  disabled?: boolean;
  /** Returns true when the text was taken (sent or run); false keeps it for correction. */
  onSubmit: (text: string) => boolean;
}

const MAX_RECALL = 100;

export function Composer({ room, disabled, onSubmit }: ComposerProps) {
  const [text, setText] = useState('');
  const sent = useRef<string[]>([]);
  /** Position in `sent` while recalling; equal to its length when not recalling. */
  const recall = useRef(0);
  const draft = useRef('');
  const input = useRef<HTMLTextAreaElement>(null);

  useLayoutEffect(() => input.current?.focus(), [room]);
  // Grow with the text up to a few lines, then scroll.
  useLayoutEffect(() => {
    const element = input.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, 160)}px`;
  }, [text]);

  const submit = (): void => {
    if (text.trim() === '') return;
    if (!onSubmit(text)) return;
    sent.current.push(text);
    if (sent.current.length > MAX_RECALL) sent.current.shift();
    recall.current = sent.current.length;
    draft.current = '';
    setText('');
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    const element = event.currentTarget as HTMLTextAreaElement;
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
      return;
    }
    const caretOnFirstLine = !element.value.slice(0, element.selectionStart).includes('\n');
    const caretOnLastLine = !element.value.slice(element.selectionEnd).includes('\n');
    if (event.key === 'ArrowUp' && caretOnFirstLine && recall.current > 0 && !event.altKey) {
      event.preventDefault();
      if (recall.current === sent.current.length) draft.current = element.value;
      recall.current -= 1;
      setText(sent.current[recall.current] ?? '');
    } else if (event.key === 'ArrowDown' && caretOnLastLine && recall.current < sent.current.length && !event.altKey) {
      event.preventDefault();
      recall.current += 1;
      setText(recall.current === sent.current.length ? draft.current : (sent.current[recall.current] ?? ''));
    }
  };

  return html`
    <form
      class="composer"
      onSubmit=${(event: Event) => {
        event.preventDefault();
        submit();
      }}
    >
      <textarea
        id="message-input"
        ref=${input}
        rows="1"
        value=${text}
        disabled=${disabled}
        placeholder=${`Message #${room}   (/help for commands)`}
        title="Enter sends, Shift+Enter starts a new line, Up recalls what you sent"
        aria-label=${`Message #${room}`}
        onInput=${(event: Event) => {
          setText((event.currentTarget as HTMLTextAreaElement).value);
          recall.current = sent.current.length;
        }}
        onKeyDown=${onKeyDown}
      ></textarea>
      <button type="submit" class="primary" id="send" disabled=${disabled}>Send</button>
    </form>
  `;
}
