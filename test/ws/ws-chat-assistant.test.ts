import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, ServerMessage } from '../../src/domain/chat/ws-protocol.ts';
import { getJson, sendJson } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { answerText, TestWsClient } from './ws-test-client.ts';

interface ConversationDetail {
  messages: { role: string; clientMessageId: string | null; text: string }[];
}

function isFinished(message: ServerMessage): boolean {
  return message.type === 'chat' && message.event.type === 'answer_finished';
}

/** The chat assistant's offline engine behind the real /ws endpoint of a test platform. */
describe('WebSocket chat with the offline assistant', () => {
  let test: TestPlatform;
  let url: string;
  const clients: TestWsClient[] = [];

  async function connect(key = test.keys.advertiser): Promise<TestWsClient> {
    const client = await TestWsClient.connect(url, { key });
    clients.push(client);
    return client;
  }

  async function storedConversation(conversationId: string, key = test.keys.advertiser) {
    const { status, body } = await getJson<ConversationDetail>(
      test.app,
      key,
      `/api/v1/conversations/${conversationId}`,
    );
    expect(status).toBe(200);
    return body;
  }

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite' });
    await test.app.listen({ host: '127.0.0.1', port: 0 });
    const address = test.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    url = `ws://127.0.0.1:${port}/ws`;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await test?.close();
  });

  it('resumes after a reconnect with the stored answer complete', async () => {
    const first = await connect();
    first.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'help' });
    const started = (await first.waitFor(
      (message) => message.type === 'chat' && message.event.type === 'answer_started',
    )) as ChatMessage;
    first.socket.terminate();
    await first.closed;
    const received = first.chat(started.conversationId);
    const lastSeq = received.at(-1)?.seq ?? 0;

    const second = await connect();
    second.send({
      type: 'hello',
      id: 'h1',
      resume: [{ conversationId: started.conversationId, lastSeq }],
    });
    await second.waitFor((message) => message.type === 'ack' && message.id === 'h1');
    // The offline engine may finish before the first socket drops; then nothing is left to resume.
    if (!received.some(isFinished)) await second.waitFor(isFinished);

    const all = [...received, ...second.chat(started.conversationId)];
    expect(all.map((message) => message.seq)).toEqual(all.map((_, index) => index + 1));
    const stored = await storedConversation(started.conversationId);
    const reply = stored.messages.find((message) => message.role === 'assistant');
    expect(answerText(all)).toBe(reply?.text);
    expect(answerText(all).length).toBeGreaterThan(0);
  });

  it('stores a message re-sent after a reconnect once', async () => {
    const first = await connect();
    first.send({ type: 'send_message', id: 'm2', conversationId: null, text: 'help' });
    const finished = await first.waitFor(isFinished);
    const conversationId = (finished as ChatMessage).conversationId;
    await first.close();

    const second = await connect();
    second.send({ type: 'send_message', id: 'm2', conversationId: null, text: 'help' });
    await second.waitFor(isFinished);

    const ack = second.messages.find((message) => message.type === 'ack' && message.id === 'm2');
    expect(ack).toMatchObject({ conversationId });
    expect(second.chat(conversationId)).toEqual(first.chat(conversationId));
    const stored = await storedConversation(conversationId);
    const userMessages = stored.messages.filter((message) => message.role === 'user');
    expect(userMessages.map((message) => message.clientMessageId)).toEqual(['m2']);
  });

  it('rejects a message into another user conversation', async () => {
    const advertiser = await connect(test.keys.advertiser);
    advertiser.send({ type: 'send_message', id: 'a1', conversationId: null, text: 'help' });
    const conversationId = ((await advertiser.waitFor(isFinished)) as ChatMessage).conversationId;

    const publisher = await connect(test.keys.publisher);
    publisher.send({ type: 'send_message', id: 'p1', conversationId, text: 'help' });

    expect(
      await publisher.waitFor((message) => message.type === 'error' && message.id === 'p1'),
    ).toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
    expect(publisher.chat(conversationId)).toEqual([]);
  });

  it('does not replay a deleted conversation', async () => {
    const first = await connect();
    first.send({ type: 'send_message', id: 'd1', conversationId: null, text: 'help' });
    const conversationId = ((await first.waitFor(isFinished)) as ChatMessage).conversationId;
    const deleted = await sendJson(
      test.app,
      test.keys.advertiser,
      'DELETE',
      `/api/v1/conversations/${conversationId}`,
    );
    expect(deleted.status).toBe(204);

    const second = await connect();
    second.send({ type: 'hello', id: 'h2', resume: [{ conversationId, lastSeq: 0 }] });

    expect(
      await second.waitFor((message) => message.type === 'error' && message.id === 'h2'),
    ).toMatchObject({ code: 'RESUME_UNAVAILABLE', conversationId });
    expect(second.chat(conversationId)).toEqual([]);
    expect(test.app.wsHub?.store.get(conversationId)).toBeUndefined();
  });
});
