import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import {
  ask,
  callerFor,
  conversationOf,
  finishOf,
  ofType,
  textOf,
  useChatRuntime,
} from './support/chat-test-kit.ts';

/** The example sentences of docs/chat-assistant.md, "What the offline engine understands". */
const LIST_EXAMPLES = [
  'list my clean rooms',
  'show rooms named holiday',
  'who are the partners?',
  'partners in CR-000001',
  'which datasets are attached?',
  'what questions can I run?',
];
const QUESTION_EXAMPLES = [
  'what is our overlap with the publisher by age band?',
  'segment sizing by region',
  'reach and frequency over the last 30 days',
  'attribution in November 2026 with a 14-day lookback, first touch',
];
const FOLLOW_UP_EXAMPLES = ['status', 'is it done?', 'show the results'];

describe('documented chat examples on the small seed', () => {
  let test: TestPlatform;
  let advertiser: Caller;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres', seed: 'small', startWorker: true });
    useChatRuntime(test);
    advertiser = await callerFor(test, test.keys.advertiser);
  });

  afterAll(async () => {
    await test?.close();
  });

  it.each(LIST_EXAMPLES)('answers "%s"', async (text) => {
    const events = await ask(test.platform.context, advertiser, text);

    expect(finishOf(events).finishReason).toBe('stop');
    expect(ofType(events, 'tool_result').filter((result) => result.isError)).toEqual([]);
  });

  it.each(QUESTION_EXAMPLES)('runs "%s" to a result', async (text) => {
    const events = await ask(test.platform.context, advertiser, text);
    // preview_run fails in the rooms where the question cannot run; the engine skips those.
    const failed = ofType(events, 'tool_result').filter(
      (result) => result.isError && result.toolName !== 'preview_run',
    );

    expect(failed).toEqual([]);
    expect(ofType(events, 'evidence').at(-1)?.evidence.status).toBe('COMPLETED');
    expect(textOf(events)).toContain('Here is the');
  });

  it('follows up on the conversation run', async () => {
    const first = await ask(test.platform.context, advertiser, 'segment sizing by region');
    const conversationId = conversationOf(first);

    for (const text of [...FOLLOW_UP_EXAMPLES, 'cancel the run']) {
      const events = await ask(test.platform.context, advertiser, text, { conversationId });
      const calls = ofType(events, 'tool_call').map((call) => call.toolName);

      expect(calls.length, text).toBe(1);
      expect(textOf(events), text).not.toMatch(/call get_|idempotencyKey/i);
      expect(finishOf(events).finishReason, text).toBe('stop');
    }
  });
});
