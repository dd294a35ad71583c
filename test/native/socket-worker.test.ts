// The socket side of the desktop client: ClientSession against a real
// server, and the worker thread doing its job while the main thread is
// blocked, as it is inside the window's GTK loop.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { HostEvent, UiAction } from '../../src/native/bridge-protocol.ts';
import { MAX_EVENTS_PER_DRAIN } from '../../src/native/bridge-protocol.ts';
import { ClientSession } from '../../src/native/client-session.ts';
import { socketWorkerUrl } from '../../src/native/environment.ts';
import { ChatClient } from '../../src/net/client.ts';
import { type TestServer, heardPresence, nextEvent, startTestServer, tempDir } from '../helpers/harness.ts';

const PASSWORD = 'correct horse battery';

/** Sleeps without the event loop, like a thread stuck in gtk_main. */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('ClientSession against a real server', () => {
  let harness: TestServer;
  let bob: ChatClient;
  const homes: string[] = [];

  before(async () => {
    harness = await startTestServer();
    bob = await harness.client();
    await bob.register('bob', PASSWORD);
    for (const name of ['alice', 'erin']) {
      const client = await harness.client();
      await client.register(name, PASSWORD);
      client.close();
    }
  });
  after(async () => {
    await harness.cleanup();
    homes.forEach((home) => rmSync(home, { recursive: true, force: true }));
  });

  /** `trust`: how the "person" answers a first-contact question about the server's key (default: trust it). */
  function open(options: { fingerprint?: string; trust?: boolean } = {}) {
    const { trust = true, ...sessionOptions } = options;
    const home = tempDir('securechat-session-');
    homes.push(home);
    const events: HostEvent[] = [];
    const session: ClientSession = new ClientSession({ home, host: '127.0.0.1', port: harness.server.port, version: '9.9.9', ...sessionOptions }, (event) => {
      events.push(event);
      if (event.type === 'confirmServerKey') setImmediate(() => void session.handle({ type: 'trustServerKey', trust }));
    });
    const login = (username: string, password = PASSWORD, register = false): UiAction => ({ type: 'login', host: '127.0.0.1', port: harness.server.port, username, password, register });
    const last = <T extends HostEvent['type']>(type: T) => events.filter((e): e is Extract<HostEvent, { type: T }> => e.type === type).at(-1);
    return { home, events, session, login, last };
  }

  test('login: hello, connecting, connected, the server key, then the session', async () => {
    const { session, events, login } = open();
    await session.handle(login('alice'));
    assert.deepEqual(
      events.map((e) => e.type),
      ['hello', 'state', 'confirmServerKey', 'state', 'serverKey', 'session'],
    );
    assert.deepEqual(events[0], { type: 'hello', host: '127.0.0.1', port: harness.server.port, version: '9.9.9' });
    assert.deepEqual(events[2], { type: 'confirmServerKey', address: `127.0.0.1:${harness.server.port}`, fingerprint: harness.server.fingerprint });
    const key = events[4] as Extract<HostEvent, { type: 'serverKey' }>;
    assert.deepEqual([key.fingerprint, key.firstContact, key.address], [harness.server.fingerprint, true, `127.0.0.1:${harness.server.port}`]);
    const start = events[5] as Extract<HostEvent, { type: 'session' }>;
    assert.equal(start.user, 'alice');
    assert.equal(start.resumed, false);
    await session.shutdown();
  });

  test('first contact: a key the person does not trust stops the login before anything is sent or pinned', async () => {
    const { session, home, events, login, last } = open({ trust: false });
    await session.handle(login('dora', PASSWORD, true));
    assert.equal(last('confirmServerKey')?.fingerprint, harness.server.fingerprint);
    assert.deepEqual([last('loginFailed')?.field, last('loginFailed')?.code], ['form', 'server_key_rejected']);
    assert.match(last('loginFailed')?.message ?? '', /nothing was sent/);
    assert.equal(events.some((e) => e.type === 'session' || e.type === 'serverKey'), false);
    assert.equal(existsSync(join(home, 'known_servers.json')), false, 'nothing pinned');
    // The registration never reached the server: the name is still free.
    const dora = await harness.client();
    await dora.register('dora', PASSWORD);
    dora.close();
    // A fingerprint given up front is the answer already: no question.
    const given = open({ fingerprint: harness.server.fingerprint, trust: false });
    await given.session.handle(given.login('alice'));
    assert.equal(given.last('confirmServerKey'), undefined);
    assert.equal(given.last('session')?.user, 'alice');
    await given.session.shutdown();
  });

  test('server refusals land on the right login field', async () => {
    const { session, login, last } = open();
    await session.handle(login('alice', 'wrong password'));
    assert.equal(last('loginFailed')?.field, 'password');
    await session.handle(login('alice', PASSWORD, true));
    assert.deepEqual([last('loginFailed')?.field, last('loginFailed')?.code], ['username', 'username_taken']);
    await session.handle(login('a!', PASSWORD, true));
    assert.deepEqual([last('loginFailed')?.field, last('loginFailed')?.code], ['username', 'invalid_username']);
    await session.shutdown();
  });

  test('an unreachable server is a server-field error that says so', async () => {
    const { session, last } = open();
    const gone = await startTestServer();
    const port = gone.server.port;
    await gone.cleanup();
    await session.handle({ type: 'login', host: '127.0.0.1', port, username: 'alice', password: PASSWORD, register: false });
    const failed = last('loginFailed');
    assert.equal(failed?.field, 'server');
    assert.equal(failed?.code, 'ECONNREFUSED');
    assert.match(failed?.message ?? '', new RegExp(`127\\.0\\.0\\.1:${port}: connection refused`));
  });

  test('a changed key, pinned or given up front, stops before the password with both fingerprints', async () => {
    const pinned = open();
    const other = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    writeFileSync(join(pinned.home, 'known_servers.json'), JSON.stringify({ [`127.0.0.1:${harness.server.port}`]: { fingerprint: other, firstSeen: '2024-01-01T00:00:00Z' } }));
    await pinned.session.handle(pinned.login('alice'));
    assert.deepEqual(pinned.last('keyChanged'), {
      type: 'keyChanged',
      address: `127.0.0.1:${harness.server.port}`,
      expected: other,
      actual: harness.server.fingerprint,
      pinFile: join(pinned.home, 'known_servers.json'),
    });
    assert.equal(pinned.last('session'), undefined);

    const upFront = open({ fingerprint: other });
    await upFront.session.handle(upFront.login('alice'));
    assert.equal(upFront.last('keyChanged')?.pinFile, undefined, 'pinned by option, not by file');
  });

  test('chat actions: send, join, rooms, users, history, leave; failures become events', async () => {
    const { session, login, last, events } = open();
    await session.handle(login('alice'));
    const received = nextEvent(bob, 'message');
    await session.handle({ type: 'send', ref: 42, room: 'general', body: 'from the session' });
    assert.equal(last('sent')?.ref, 42);
    const [message] = (await received) as [{ body: string; from: string }];
    assert.deepEqual([message.from, message.body], ['alice', 'from the session']);
    await session.handle({ type: 'send', ref: 43, room: 'general', body: 'x'.repeat(9000) });
    assert.deepEqual([last('sendFailed')?.ref, last('sendFailed')?.code], [43, 'body_too_long']);
    await session.handle({ type: 'join', room: 'ops' });
    assert.equal(last('joined')?.room.name, 'ops');
    await session.handle({ type: 'rooms' });
    assert.ok(last('rooms')?.rooms.some((room) => room.name === 'ops' && room.joined));
    await session.handle({ type: 'users' });
    assert.ok(last('users')?.online.includes('alice'));
    await session.handle({ type: 'history', room: 'general', limit: 1 });
    assert.deepEqual(last('history')?.messages.map((m) => m.body), ['from the session']);
    await session.handle({ type: 'leave', room: 'ops' });
    assert.equal(last('left')?.room, 'ops');
    await session.handle({ type: 'leave', room: 'general' });
    assert.deepEqual([last('failed')?.action, last('failed')?.code], ['leave', 'cannot_leave']);
    assert.ok(!events.some((e) => e.type === 'failed' && e.action === 'connection'));
    await session.shutdown();
  });

  test('logout (switch user) tells the server; shutdown logs out too and then ignores actions', async () => {
    // erin, whom bob has not seen online yet: her sign-ins are announced (presence is per interval).
    const { session, login, last, events } = open();
    const online = heardPresence(bob, 'erin', 'online');
    await session.handle(login('erin'));
    await online;
    const offline = heardPresence(bob, 'erin', 'offline');
    await session.handle({ type: 'logout' });
    await offline;
    assert.ok(last('loggedOut'));
    const onlineAgain = heardPresence(bob, 'erin', 'online');
    await session.handle(login('erin'));
    assert.equal(events.filter((e) => e.type === 'session').length, 2, 'the same connection logs in again');
    await onlineAgain;
    const offlineAgain = heardPresence(bob, 'erin', 'offline');
    await session.shutdown();
    await offlineAgain;
    const count = events.length;
    await session.handle({ type: 'users' });
    assert.equal(events.length, count);
  });
});

describe('the socket worker thread', () => {
  // The server runs in its own process: this thread is about to block, as
  // the host's main thread does inside the window loop.
  let server: ChildProcess;
  let port: number;
  let home: string;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'securechat-worker-'));
    server = spawn(process.execPath, ['--import', 'tsx', 'test/native/fixtures/server.ts', join(home, 'server')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
    port = (JSON.parse(line) as { port: number }).port;
    for (const user of ['alice', 'bob']) {
      const client = new ChatClient({ host: '127.0.0.1', port, knownServersFile: join(home, 'setup-pins.json'), autoReconnect: false });
      client.on('error', () => {});
      await client.connect();
      await client.register(user, PASSWORD);
      client.close();
    }
  });
  after(async () => {
    server.kill('SIGTERM');
    await once(server, 'exit');
    rmSync(home, { recursive: true, force: true });
  });

  /** Drains like the page does: up to one batch per call, a short pause between. */
  function drainBlocking(port: MessagePort, until: (events: HostEvent[]) => boolean, timeoutMs: number): { events: HostEvent[]; batches: number } {
    const events: HostEvent[] = [];
    let batches = 0;
    const deadline = Date.now() + timeoutMs;
    while (!until(events)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${events.length} events: ${JSON.stringify(events.slice(-3))}`);
      let got = 0;
      for (let received = receiveMessageOnPort(port); received !== undefined; received = got < MAX_EVENTS_PER_DRAIN ? receiveMessageOnPort(port) : undefined) {
        events.push(received.message as HostEvent);
        got += 1;
      }
      if (got > 0) batches += 1;
      if (got < MAX_EVENTS_PER_DRAIN) blockFor(40);
    }
    return { events, batches };
  }

  test('a burst of 3,000 lines arrives complete and in order while the main thread is blocked', async () => {
    const url = socketWorkerUrl();
    assert.ok(url.ok, url.ok ? '' : url.problem);
    const { port1: bridge, port2 } = new MessageChannel();
    const worker = new Worker(url.value, { workerData: { port: port2, options: { home, host: '127.0.0.1', port: port, version: 't' } }, transferList: [port2] });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (message) => (message === 'ready' ? resolve() : reject(new Error(String(message)))));
      worker.once('error', reject);
    });

    bridge.postMessage({ type: 'login', host: '127.0.0.1', port, username: 'alice', password: PASSWORD, register: false } satisfies UiAction);
    // From here on this thread never returns to its event loop until the burst is in.
    // First contact: the worker asks about the server's key; the "person" trusts it (posted while this thread stays blocked).
    let answered = false;
    const login = drainBlocking(
      bridge,
      (events) => {
        if (!answered && events.some((e) => e.type === 'confirmServerKey')) {
          answered = true;
          bridge.postMessage({ type: 'trustServerKey', trust: true } satisfies UiAction);
        }
        return events.some((e) => e.type === 'session' || e.type === 'loginFailed');
      },
      30_000,
    );
    assert.ok(login.events.some((e) => e.type === 'session'), JSON.stringify(login.events));

    const COUNT = 3000;
    const sender = spawn(process.execPath, ['--import', 'tsx', 'test/native/fixtures/burst-sender.ts', String(port), 'bob', PASSWORD, String(COUNT), join(home, 'bob-pins.json')], { stdio: 'ignore' });
    const senderExit = new Promise<number | null>((resolve) => sender.once('exit', resolve));
    const burst = drainBlocking(bridge, (events) => events.filter((e) => e.type === 'message').length >= COUNT, 120_000);
    const bodies = burst.events.flatMap((e) => (e.type === 'message' ? [e.message.body] : []));
    assert.equal(bodies.length, COUNT);
    bodies.forEach((body, i) => assert.equal(body, `burst ${i + 1}`));
    assert.ok(burst.batches > 1, `drained in ${burst.batches} batches`);

    assert.equal(await senderExit, 0);
    bridge.postMessage({ type: 'exit' } satisfies UiAction);
    assert.equal(await exited, 0);
  });
});
