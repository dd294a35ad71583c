// Sending a body from one real client and checking what a second client
// receives live, and what the store gives back: the same text, or a refusal
// with a clear error after which the sender's connection still works.

import assert from 'node:assert/strict';
import type { ChatClient } from '../../src/net/client.ts';
import { RequestError } from '../../src/net/errors.ts';
import type { ChatMessage } from '../../src/net/schema.ts';
import { type TestServer, startTestServer, waitFor } from '../helpers/harness.ts';

export type BodyOutcome = { stored: ChatMessage } | { refused: RequestError };

/** A server whose rate limits stay out of the way, alice who sends and bob who receives, both registered. */
export interface ChatPair {
  harness: TestServer;
  alice: ChatClient;
  /** What bob has received live, by message id. */
  bobInbox: Map<number, ChatMessage>;
}

export async function startChatPair(password: string): Promise<ChatPair> {
  const harness = await startTestServer({ messageRate: { burst: 1e6, perSecond: 1e6 }, handshakeRate: { burst: 1e6, perSecond: 1e6 } });
  const alice = await harness.client();
  await alice.register('alice', password);
  const bob = await harness.client();
  await bob.register('bob', password);
  return { harness, alice, bobInbox: inbox(bob) };
}

/** Collects what `client` receives live, by message id. */
export function inbox(client: ChatClient): Map<number, ChatMessage> {
  const received = new Map<number, ChatMessage>();
  client.on('message', (message) => received.set(message.id, message));
  return received;
}

/** Characters that must never reach a terminal through an error message. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}]/u;

export async function sendBody(sender: ChatClient, receiverInbox: Map<number, ChatMessage>, body: string, room = 'general'): Promise<BodyOutcome> {
  let ack: ChatMessage;
  try {
    ack = await sender.send(room, body);
  } catch (error) {
    assert.ok(error instanceof RequestError, `not a typed refusal: ${String(error)}`);
    assert.ok(error.message.length > 0, 'a refusal without a message');
    assert.doesNotMatch(error.message, UNSAFE, `the refusal carries control characters: ${JSON.stringify(error.message)}`);
    return { refused: error };
  }
  const what = JSON.stringify(body).slice(0, 80);
  assert.equal(ack.body, body, `the acknowledgement changed ${what}`);
  await waitFor(() => receiverInbox.has(ack.id), `the second client to receive ${what}`, 5000);
  assert.equal(receiverInbox.get(ack.id)!.body, body, `delivered differently: ${what}`);
  const page = await sender.history(room, { after: ack.id - 1, limit: 1 });
  assert.equal(page.messages[0]?.id, ack.id);
  assert.equal(page.messages[0]!.body, body, `stored differently: ${what}`);
  return { stored: ack };
}

/** The sender's connection still answers requests. */
export async function assertUsable(client: ChatClient): Promise<void> {
  assert.ok(typeof (await client.request('ping', {})).ts === 'number');
}
