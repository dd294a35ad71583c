// Presence is announced per interval (src/server/presence.ts): each change
// once, to everyone but the user; a change undone within the interval not at
// all; a user's first line never before the news that they are online; none
// while the server stops.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ChatClient } from '../../src/net/client.ts';
import { type TestServer, startTestServer, waitFor } from '../helpers/harness.ts';

const PASSWORD = 'correct horse battery staple';
const INTERVAL_MS = 300;
let harness: TestServer;

before(async () => {
  harness = await startTestServer({ presenceIntervalMs: INTERVAL_MS });
});
after(() => harness.cleanup());

/** Everything an observer hears, presence and chat lines, in arrival order. */
async function observer(name: string): Promise<{ client: ChatClient; heard: string[] }> {
  const client = await harness.client();
  await client.register(name, PASSWORD);
  const heard: string[] = [];
  client.on('presence', (presence) => heard.push(`${presence.user} ${presence.event}`));
  client.on('message', (message) => heard.push(`${message.from}: ${message.body}`));
  return { client, heard };
}

test('a wave of sign-ins reaches an observer as one online event per user, later sign-outs likewise', async () => {
  const { heard } = await observer('watcher');
  const names = Array.from({ length: 12 }, (_, i) => `wave${i}`);
  const clients = await Promise.all(names.map(() => harness.client()));
  await Promise.all(clients.map((client, i) => client.register(names[i]!, PASSWORD)));
  await waitFor(() => heard.length >= names.length, 'every online event');
  await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 2));
  assert.deepEqual([...heard].sort(), names.map((name) => `${name} online`).sort());
  heard.length = 0;
  clients.forEach((client) => client.close());
  await waitFor(() => heard.length >= names.length, 'every offline event');
  await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 2));
  assert.deepEqual([...heard].sort(), names.map((name) => `${name} offline`).sort());
});

test('nobody hears of a user who came and went within one interval; a user never hears of themselves', async () => {
  // A server of its own with a long interval, and sign-ins by token (no password hashing): the
  // flapper's coming and going and the marker's arrival surely fall in one interval.
  const slow = await startTestServer({ presenceIntervalMs: 2000 });
  try {
    const watcher = await slow.client();
    await watcher.register('watcher', PASSWORD);
    const tokens: string[] = [];
    for (const name of ['flapper', 'marker']) {
      const client = await slow.client();
      await client.register(name, PASSWORD);
      tokens.push(client.sessionToken!);
      client.close();
    }
    // Whatever the setup left pending is announced within one interval.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const heard: string[] = [];
    watcher.on('presence', (presence) => heard.push(`${presence.user} ${presence.event}`));
    const flapper = await slow.client();
    const flapperHeard: string[] = [];
    flapper.on('presence', (presence) => flapperHeard.push(`${presence.user} ${presence.event}`));
    await flapper.resume(tokens[0]!);
    flapper.close();
    const marker = await slow.client();
    await marker.resume(tokens[1]!);
    await waitFor(() => heard.includes('marker online'), 'the marker online');
    assert.deepEqual(heard, ['marker online']);
    assert.deepEqual(flapperHeard, []);
  } finally {
    await slow.cleanup();
  }
});

test("a user's first line arrives after the news that they are online", async () => {
  const { heard } = await observer('watcher3');
  const talker = await harness.client();
  await talker.register('talker', PASSWORD);
  await talker.send('general', 'hello at once');
  await waitFor(() => heard.includes('talker: hello at once'), 'the line');
  assert.deepEqual(heard.slice(0, 2), ['talker online', 'talker: hello at once']);
});
