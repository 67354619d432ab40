import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisTopic } from '../../src/adapters/pubsub/redis-topic.ts';
import type { ChatMessage, ServerMessage } from '../../src/domain/chat/ws-protocol.ts';
import { useChatRuntime } from '../chat/support/chat-test-kit.ts';
import { getJson } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { TestWsClient } from './ws-test-client.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Without a worker the run stays queued, so start_run waits for it and the answer keeps running. */
const OVERLAP_QUESTION = 'what is our overlap with the publisher by age band?';

interface ConversationDetail {
  messages: { role: string; finishReason: string | null }[];
}

function isStartRunCall(message: ServerMessage): boolean {
  return (
    message.type === 'chat' &&
    message.event.type === 'tool_call' &&
    message.event.toolName === 'start_run'
  );
}

function isFinished(message: ServerMessage): boolean {
  return message.type === 'chat' && message.event.type === 'answer_finished';
}

function replyTo(id: string) {
  return (message: ServerMessage) =>
    (message.type === 'ack' || message.type === 'error') && message.id === id;
}

/** Listens on a free port, so parallel test files never collide. */
async function listen(test: TestPlatform): Promise<string> {
  await test.app.listen({ host: '127.0.0.1', port: 0 });
  const address = test.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `ws://127.0.0.1:${address.port}/ws`;
}

/** Two web processes on one PostgreSQL schema and one Redis, as a scaled-out deployment runs them. */
describe('stop across web processes', () => {
  let first: TestPlatform;
  let second: TestPlatform;
  let firstUrl: string;
  let secondUrl: string;
  const clients: TestWsClient[] = [];

  async function connect(url: string, key = first.keys.advertiser): Promise<TestWsClient> {
    const client = await TestWsClient.connect(url, { key });
    clients.push(client);
    return client;
  }

  /** Starts the overlap question on the first process and returns once start_run waits for its run. */
  async function startAnswer(client: TestWsClient, id: string): Promise<string> {
    client.send({ type: 'send_message', id, conversationId: null, text: OVERLAP_QUESTION });
    const ack = await client.waitFor(replyTo(id));
    expect(ack).toMatchObject({ type: 'ack' });
    await client.waitFor(isStartRunCall);
    return (ack as { conversationId: string }).conversationId;
  }

  beforeAll(async () => {
    first = await startTestPlatform({
      backend: 'postgres',
      seed: 'small',
      startWorker: false,
      env: { REDIS_URL },
    });
    second = await startTestPlatform({
      backend: 'postgres',
      seed: 'none',
      startWorker: false,
      env: { REDIS_URL },
      reuse: { dataDir: first.dataDir, schema: first.schema },
    });
    for (const test of [first, second]) {
      useChatRuntime(test, { LLM_RUN_WAIT_SECONDS: '30' });
      const topic = test.platform.context.answerStops;
      if (!(topic instanceof RedisTopic)) throw new Error('the platform has no Redis topic');
      await topic.waitUntilSubscribed();
    }
    firstUrl = await listen(first);
    secondUrl = await listen(second);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await second?.stop();
    await first?.close();
  });

  it('stops an answer written by the other process', async () => {
    const writer = await connect(firstUrl);
    const stopper = await connect(secondUrl);
    const conversationId = await startAnswer(writer, 'm-remote');

    stopper.send({ type: 'stop', id: 's-remote', conversationId });
    const reply = await stopper.waitFor(replyTo('s-remote'));
    const finished = (await writer.waitFor(isFinished)) as ChatMessage;

    expect(reply).toEqual({ type: 'ack', id: 's-remote', conversationId });
    expect(finished.event).toMatchObject({ finishReason: 'aborted', incomplete: true });
  });

  it('stores the remotely stopped answer as aborted', async () => {
    const writer = await connect(firstUrl);
    const stopper = await connect(secondUrl);
    const conversationId = await startAnswer(writer, 'm-stored');
    stopper.send({ type: 'stop', id: 's-stored', conversationId });
    await writer.waitFor(isFinished);

    const { body } = await getJson<ConversationDetail>(
      second.app,
      first.keys.advertiser,
      `/api/v1/conversations/${conversationId}`,
    );

    expect(body.messages.map((message) => message.finishReason)).toEqual([null, 'aborted']);
  });

  it('acknowledges a re-sent remote stop again', async () => {
    const writer = await connect(firstUrl);
    const stopper = await connect(secondUrl);
    const conversationId = await startAnswer(writer, 'm-again');
    stopper.send({ type: 'stop', id: 's-again', conversationId });
    await writer.waitFor(isFinished);
    const firstReply = await stopper.waitFor(replyTo('s-again'));

    stopper.send({ type: 'stop', id: 's-again', conversationId });
    const secondReply = await stopper.waitFor(replyTo('s-again'), {
      from: stopper.messages.indexOf(firstReply) + 1,
    });

    expect(secondReply).toEqual({ type: 'ack', id: 's-again', conversationId });
  });

  it('rejects a stop after the answer ended', async () => {
    const writer = await connect(firstUrl);
    const stopper = await connect(secondUrl);
    const conversationId = await startAnswer(writer, 'm-ended');
    writer.send({ type: 'stop', id: 's-local', conversationId });
    await writer.waitFor(isFinished);

    stopper.send({ type: 'stop', id: 's-late', conversationId });

    expect(await stopper.waitFor(replyTo('s-late'))).toMatchObject({
      type: 'error',
      code: 'GENERATION_NOT_RUNNING',
    });
  });

  it('rejects a stop of another user answer', async () => {
    const writer = await connect(firstUrl);
    const publisher = await connect(secondUrl, first.keys.publisher);
    const conversationId = await startAnswer(writer, 'm-tenant');

    publisher.send({ type: 'stop', id: 's-tenant', conversationId });
    const reply = await publisher.waitFor(replyTo('s-tenant'));
    writer.send({ type: 'stop', id: 's-owner', conversationId });
    const finished = (await writer.waitFor(isFinished)) as ChatMessage;

    expect(reply).toMatchObject({ type: 'error', code: 'GENERATION_NOT_RUNNING' });
    expect(finished.event).toMatchObject({ finishReason: 'aborted' });
    expect(writer.messages.filter((message) => message.type === 'error')).toEqual([]);
  });
});
