// Entry point of the UI bundle. The same bundle runs in the native window
// (bindings from webview-nodejs) and in headless Chromium for tests (bindings
// from playwright's exposeFunction); it talks to nothing else.

import { html } from 'htm/preact';
import { render } from 'preact';
import { DRAIN_BINDING, POST_BINDING } from '../native/bridge-protocol.ts';
import { findBridge } from './bridge.ts';
import { App } from './components/App.ts';

function start(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const bridge = findBridge();
  if (!bridge) {
    const message = document.createElement('p');
    message.className = 'no-bridge';
    message.textContent = `This page is the securechat desktop UI; it needs the ${POST_BINDING} and ${DRAIN_BINDING} bindings of the desktop host (securechat gui).`;
    root.replaceChildren(message);
    return;
  }
  root.replaceChildren(); // the "Starting…" placeholder
  render(html`<${App} bridge=${bridge} />`, root);
}

// webview-nodejs binds its functions from an init script that runs before the
// page's scripts; playwright's exposeFunction does the same. Still, wait for
// the document so #app exists.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
