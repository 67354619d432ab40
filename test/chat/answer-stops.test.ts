import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessTopic } from '../../src/adapters/pubsub/pubsub-topic.ts';
import { RedisTopic } from '../../src/adapters/pubsub/redis-topic.ts';
import {
  answerStopMessageSchema,
  type AnswerStopMessage,
} from '../../src/domain/chat/answer-stop-message.ts';
import type { ChatStreamEvent } from '../../src/domain/chat/chat-stream-event.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { answerMessage } from '../../src/services/chat/answer-message.ts';
import { stopAnswer } from '../../src/services/chat/stop-answer.ts';
import type { ServiceContext } from '../../src/services/service-context.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import {
  ask,
  callerFor,
  conversationOf,
  finishOf,
  useChatRuntime,
} from './support/chat-test-kit.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Without a worker the run stays queued, so start_run waits for it and the answer keeps running. */
const OVERLAP_QUESTION = 'what is our overlap with the publisher by age band?';

/** Two web processes on one PostgreSQL schema and one Redis, as a scaled-out deployment runs them. */
describe('stopAnswer across processes', () => {
  let first: TestPlatform;
  let second: TestPlatform;
  let advertiser: Caller;
  let publisher: Caller;

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
    advertiser = await callerFor(first, first.keys.advertiser);
    publisher = await callerFor(first, first.keys.publisher);
  });

  afterAll(async () => {
    await second?.stop();
    await first?.close();
  });

  /**
   * Starts the overlap question in the first process and returns once
   * start_run waits for its run, with the events so far and the rest.
   */
  async function startAnswer() {
    const events: ChatStreamEvent[] = [];
    const answer = answerMessage(first.platform.context, advertiser, {
      conversationId: null,
      clientMessageId: randomUUID(),
      text: OVERLAP_QUESTION,
      signal: new AbortController().signal,
    });
    // next() rather than for await, because leaving a for await loop would end the answer.
    for (let next = await answer.next(); !next.done; next = await answer.next()) {
      events.push(next.value);
      if (next.value.type === 'tool_call' && next.value.toolName === 'start_run') break;
    }
    const rest = (async () => {
      for (let next = await answer.next(); !next.done; next = await answer.next())
        events.push(next.value);
      return events;
    })();
    return { conversationId: conversationOf(events), rest };
  }

  /** Leaves a claim on a new conversation as a process that crashed would, live for `interval`. */
  async function conversationClaimedFor(interval: string): Promise<string> {
    const conversationId = conversationOf(await ask(first.platform.context, advertiser, 'help'));
    await first.platform.context.db.query(
      `UPDATE conversations SET answer_claim_id = $2,
              answer_claim_expires_at = clock_timestamp() + $3::interval
        WHERE id = $1`,
      [conversationId, randomUUID(), interval],
    );
    return conversationId;
  }

  function withTopic(topic: ServiceContext['answerStops']): ServiceContext {
    return { ...second.platform.context, answerStops: topic };
  }

  it('stops an answer written by the other process', async () => {
    const { conversationId, rest } = await startAnswer();

    await stopAnswer(second.platform.context, advertiser, conversationId);

    expect(finishOf(await rest)).toMatchObject({ finishReason: 'aborted', incomplete: true });
  });

  it('does not stop another user answer', async () => {
    const { conversationId, rest } = await startAnswer();

    const stopped = stopAnswer(second.platform.context, publisher, conversationId);

    await expect(stopped).rejects.toMatchObject({ code: 'GENERATION_NOT_RUNNING', status: 409 });
    await stopAnswer(first.platform.context, advertiser, conversationId);
    expect(finishOf(await rest).finishReason).toBe('aborted');
  });

  it('rejects a conversation whose claim expired', async () => {
    const conversationId = await conversationClaimedFor('-1 second');

    const stopped = stopAnswer(second.platform.context, advertiser, conversationId);

    await expect(stopped).rejects.toMatchObject({ code: 'GENERATION_NOT_RUNNING' });
  });

  it('rejects an id that is not a conversation id', async () => {
    const stopped = stopAnswer(second.platform.context, advertiser, 'not-a-uuid');

    await expect(stopped).rejects.toMatchObject({ code: 'GENERATION_NOT_RUNNING' });
  });

  it('reports a live claim no process confirms', async () => {
    const conversationId = await conversationClaimedFor('1 minute');

    const stopped = stopAnswer(second.platform.context, advertiser, conversationId, {
      confirmTimeoutMs: 200,
    });

    await expect(stopped).rejects.toMatchObject({
      code: 'STOP_NOT_CONFIRMED',
      status: 503,
      retryable: true,
      userMessage: expect.stringContaining('Send stop again'),
    });
  });

  it('reports a stop Redis could not carry', async () => {
    const conversationId = await conversationClaimedFor('1 minute');
    // Port 1 has no Redis, so the topic never connects and every publish fails.
    const unreachable = new RedisTopic<AnswerStopMessage>({
      url: 'redis://127.0.0.1:1',
      channel: `cleanroom-test:${randomUUID()}:answer-stops`,
      schema: answerStopMessageSchema,
      commandTimeoutMs: 100,
      connectTimeoutMs: 200,
      connectionName: `answer-stops-test-${randomUUID()}`,
      log: pino({ level: 'silent' }),
    });

    const stopped = stopAnswer(withTopic(unreachable), advertiser, conversationId);

    await expect(stopped).rejects.toMatchObject({ code: 'STOP_NOT_CONFIRMED' });
    await unreachable.close();
  });

  it('reports a remote claim without Redis', async () => {
    const conversationId = await conversationClaimedFor('1 minute');
    const local = new InProcessTopic<AnswerStopMessage>('answer-stops', pino({ level: 'silent' }));

    const stopped = stopAnswer(withTopic(local), advertiser, conversationId);

    await expect(stopped).rejects.toMatchObject({
      code: 'STOP_NOT_CONFIRMED',
      message: expect.stringContaining('no REDIS_URL'),
    });
  });
});
