// A modal dialog: takes focus when it opens, Escape or Close dismisses it and
// focus goes back where it was.

import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const closeButton = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeButton.current?.focus();
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus();
    };
  }, []);
  return html`
    <div class="overlay" onMouseDown=${(event: MouseEvent) => event.target === event.currentTarget && onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title">
        <h2 id="dialog-title">${title}</h2>
        <div class="dialog-body">${children}</div>
        <div class="dialog-actions">
          <button type="button" class="primary" ref=${closeButton} onClick=${onClose}>Close</button>
        </div>
      </div>
    </div>
  `;
}
