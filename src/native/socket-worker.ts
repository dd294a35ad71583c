// The socket thread of the desktop host. The main thread is blocked inside
// the window's GTK loop for as long as the window is open, so everything that
// must keep running — the TCP socket, the handshake, timers, reconnects —
// lives here. Events go out on the MessagePort handed over in workerData, in
// order; the window drains them with receiveMessageOnPort. Actions come in on
// the same port.
//
// Diagnostics go straight to fd 2: a worker's console is relayed through the
// main thread's event loop, which is not running while the window is open.

import { writeSync } from 'node:fs';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BadActionError, decodeUiAction, type HostEvent } from './bridge-protocol.ts';
import { ClientSession, type SessionOptions } from './client-session.ts';

export interface SocketWorkerData {
  port: MessagePort;
  options: SessionOptions;
}

const { port, options } = workerData as SocketWorkerData;

function emit(event: HostEvent): void {
  port.postMessage(event);
}

function report(context: string, error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    writeSync(2, `securechat gui: ${context}: ${text}\n`);
  } catch {
    // stderr closed: nothing more to do
  }
  emit({ type: 'failed', action: 'worker', code: 'internal', message: `${context}: ${error instanceof Error ? error.message : String(error)}` });
}

process.on('uncaughtException', (error) => report('unexpected error in the socket thread', error));
process.on('unhandledRejection', (error) => report('unexpected error in the socket thread', error));

const session = new ClientSession(options, emit);

port.on('message', (raw: unknown) => {
  let action;
  try {
    action = decodeUiAction(raw);
  } catch (error) {
    if (error instanceof BadActionError) emit({ type: 'failed', action: 'bridge', code: 'bad_action', message: error.message });
    else report('decoding an action', error);
    return;
  }
  if (action.type === 'exit') {
    void session.shutdown().finally(() => port.close());
    return;
  }
  void session.handle(action);
});

// The host waits for this before it blocks its thread in the window loop: a
// worker's start-up needs the main thread's event loop, its running does not.
parentPort?.postMessage('ready');
