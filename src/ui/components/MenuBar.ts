// The File and Help menus, drawn in HTML (the webview has no native menu API)
// and driven like a native menu bar: Alt+letter opens a menu, arrows move,
// Enter or Space activates, Escape closes and gives focus back.

import { html } from 'htm/preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface MenuItem {
  id: string;
  label: string;
  /** Shown at the right of the item, e.g. a keyboard hint. */
  hint?: string;
  disabled?: boolean;
  run: () => void;
}

export interface Menu {
  id: string;
  label: string;
  /** The access key (Alt+key); its first occurrence in the label is underlined. */
  key: string;
  items: MenuItem[];
}

function enabledIndexes(menu: Menu): number[] {
  return menu.items.flatMap((item, index) => (item.disabled ? [] : [index]));
}

function labelWithKey(label: string, key: string): unknown {
  const at = label.toLowerCase().indexOf(key.toLowerCase());
  if (at < 0) return label;
  return html`${label.slice(0, at)}<u>${label.charAt(at)}</u>${label.slice(at + 1)}`;
}

export function MenuBar({ menus }: { menus: Menu[] }) {
  const [open, setOpenState] = useState<string | null>(null);
  const [active, setActiveState] = useState(0);
  // Key events can arrive faster than renders (xdotool, fast typists): the
  // handlers read and write these refs, the state only drives rendering.
  const openRef = useRef<string | null>(null);
  const activeRef = useRef(0);
  const menusRef = useRef(menus);
  menusRef.current = menus;
  const bar = useRef<HTMLDivElement>(null);
  const items = useRef<Map<string, HTMLButtonElement>>(new Map());
  const returnFocus = useRef<HTMLElement | null>(null);

  const setActive = (index: number): void => {
    activeRef.current = index;
    setActiveState(index);
    if (openRef.current !== null) items.current.get(`${openRef.current}:${index}`)?.focus();
  };
  const openMenu = (id: string, index?: number): void => {
    if (openRef.current === null) returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const menu = menusRef.current.find((m) => m.id === id);
    openRef.current = id;
    setOpenState(id);
    setActive(index ?? (menu ? (enabledIndexes(menu)[0] ?? 0) : 0));
  };
  const close = (restore: boolean): void => {
    openRef.current = null;
    setOpenState(null);
    if (restore) returnFocus.current?.focus();
    returnFocus.current = null;
  };
  const activate = (item: MenuItem | undefined): void => {
    if (!item || item.disabled) return;
    close(true);
    item.run();
  };

  // Once the open menu is in the DOM, put keyboard focus on its active item.
  useLayoutEffect(() => {
    if (open !== null) items.current.get(`${open}:${activeRef.current}`)?.focus();
  }, [open]);

  // Layout effect, not effect: listen from the moment the bar is in the DOM.
  useLayoutEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const all = menusRef.current;
      if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
        const menu = all.find((m) => event.code === `Key${m.key.toUpperCase()}` || event.key.toLowerCase() === m.key.toLowerCase());
        if (menu) {
          event.preventDefault();
          event.stopPropagation();
          if (openRef.current === menu.id) close(true);
          else openMenu(menu.id);
          return;
        }
      }
      if (openRef.current === null) return;
      const index = all.findIndex((m) => m.id === openRef.current);
      const menu = all[index];
      if (!menu) return;
      const enabled = enabledIndexes(menu);
      const position = enabled.indexOf(activeRef.current);
      const move = (delta: number): void => {
        if (enabled.length === 0) return;
        setActive(enabled[(position + delta + enabled.length) % enabled.length]!);
      };
      const switchMenu = (delta: number): void => openMenu(all[(index + delta + all.length) % all.length]!.id);
      const handled: Record<string, () => void> = {
        Escape: () => close(true),
        ArrowDown: () => move(1),
        ArrowUp: () => move(-1),
        ArrowRight: () => switchMenu(1),
        ArrowLeft: () => switchMenu(-1),
        Home: () => setActive(enabled[0] ?? 0),
        End: () => setActive(enabled[enabled.length - 1] ?? 0),
        Enter: () => activate(menu.items[activeRef.current]),
        ' ': () => activate(menu.items[activeRef.current]),
        Tab: () => close(false),
      };
      const action = handled[event.key];
      if (action) {
        if (event.key !== 'Tab') event.preventDefault();
        event.stopPropagation();
        action();
      }
    };
    const onPointer = (event: MouseEvent): void => {
      if (openRef.current !== null && bar.current && !bar.current.contains(event.target as Node)) close(false);
    };
    window.addEventListener('keydown', onKey, true);
    document.addEventListener('mousedown', onPointer, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      document.removeEventListener('mousedown', onPointer, true);
    };
  }, []);

  return html`
    <div class="menubar" role="menubar" aria-label="Main menu" ref=${bar}>
      ${menus.map(
        (menu) => html`
          <div class="menu" key=${menu.id}>
            <button
              type="button"
              class=${`menu-title${open === menu.id ? ' open' : ''}`}
              id=${`menu-${menu.id}`}
              aria-haspopup="menu"
              aria-expanded=${open === menu.id ? 'true' : 'false'}
              aria-keyshortcuts=${`Alt+${menu.key.toUpperCase()}`}
              onMouseDown=${(event: MouseEvent) => event.preventDefault()}
              onClick=${() => (open === menu.id ? close(true) : openMenu(menu.id))}
              onMouseEnter=${() => {
                if (openRef.current !== null && openRef.current !== menu.id) openMenu(menu.id);
              }}
            >
              ${labelWithKey(menu.label, menu.key)}
            </button>
            ${open === menu.id &&
            html`
              <div class="menu-items" role="menu" aria-labelledby=${`menu-${menu.id}`}>
                ${menu.items.map(
                  (item, index) => html`
                    <button
                      type="button"
                      role="menuitem"
                      key=${item.id}
                      data-item=${item.id}
                      class=${`menu-item${index === active ? ' active' : ''}`}
                      aria-disabled=${item.disabled ? 'true' : 'false'}
                      tabindex="-1"
                      ref=${(element: HTMLButtonElement | null) => {
                        const key = `${menu.id}:${index}`;
                        if (element) items.current.set(key, element);
                        else items.current.delete(key);
                      }}
                      onMouseEnter=${() => !item.disabled && setActive(index)}
                      onClick=${() => activate(item)}
                    >
                      <span>${item.label}</span>${item.hint ? html`<span class="hint">${item.hint}</span>` : null}
                    </button>
                  `,
                )}
              </div>
            `}
          </div>
        `,
      )}
    </div>
  `;
}
