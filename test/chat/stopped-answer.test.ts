import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatStreamEvent } from '../../src/domain/chat/chat-stream-event.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { answerMessage } from '../../src/services/chat/answer-message.ts';
import { getConversation } from '../../src/services/chat/get-conversation.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { ask, callerFor, finishOf, ofType, useChatRuntime } from './support/chat-test-kit.ts';

const OVERLAP_QUESTION = 'what is our overlap with the publisher by age band?';

describe('answer stopped during start_run', () => {
  let test: TestPlatform;
  let advertiser: Caller;
  let events: ChatStreamEvent[];

  beforeAll(async () => {
    // No worker, so the run stays queued and start_run is still waiting when the user stops.
    test = await startTestPlatform({ backend: 'postgres', seed: 'small', startWorker: false });
    useChatRuntime(test, { LLM_RUN_WAIT_SECONDS: '30' });
    advertiser = await callerFor(test, test.keys.advertiser);

    const stop = new AbortController();
    events = [];
    const answer = answerMessage(test.platform.context, advertiser, {
      conversationId: null,
      clientMessageId: randomUUID(),
      text: OVERLAP_QUESTION,
      signal: stop.signal,
    });
    for await (const event of answer) {
      events.push(event);
      if (event.type === 'tool_call' && event.toolName === 'start_run') stop.abort();
    }
  });

  afterAll(async () => {
    await test?.close();
  });

  it('finishes as aborted', () => {
    expect(finishOf(events).finishReason).toBe('aborted');
  });

  it('streams the created run before answer_finished', () => {
    const result = ofType(events, 'tool_result').find(
      (event) => event.toolName === 'start_run' && !event.preliminary,
    );
    const evidence = ofType(events, 'evidence');

    expect(result?.isError).toBe(false);
    expect(evidence).toHaveLength(1);
    expect(events.indexOf(evidence[0]!)).toBeLessThan(events.length - 1);
  });

  it('stores the run id with the message', async () => {
    const conversationId = ofType(events, 'answer_started')[0]!.conversationId;
    const detail = await getConversation(test.platform.context, advertiser, conversationId);
    const stored = detail.messages.find((message) => message.role === 'assistant');
    const runId = ofType(events, 'evidence')[0]?.evidence.runId;

    expect(stored?.toolResults.map((result) => result.toolName)).toContain('start_run');
    expect(stored?.evidence.map((evidence) => evidence.runId)).toEqual([runId]);
  });

  it('finds the run for a later "status"', async () => {
    const conversationId = ofType(events, 'answer_started')[0]!.conversationId;
    const runId = ofType(events, 'evidence')[0]?.evidence.runId;

    const status = await ask(test.platform.context, advertiser, 'status', { conversationId });
    const call = ofType(status, 'tool_call').find((event) => event.toolName === 'get_run');

    expect(call?.input).toEqual({ runId });
  });

  it('creates one run only', async () => {
    const rows = await test.platform.context.db.query<{ count: string }>(
      'SELECT count(*) AS count FROM question_runs',
    );

    expect(Number(rows[0]?.count)).toBe(1);
  });
});
