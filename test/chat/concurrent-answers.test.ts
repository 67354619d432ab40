import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { answerMessage } from '../../src/services/chat/answer-message.ts';
import { sendJson } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import {
  ask,
  callerFor,
  conversationOf,
  finishOf,
  useChatRuntime,
} from './support/chat-test-kit.ts';

describe('one answer at a time per conversation', () => {
  let test: TestPlatform;
  let advertiser: Caller;
  let conversationId: string;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite', seed: 'small', startWorker: false });
    useChatRuntime(test, { LLM_RUN_WAIT_SECONDS: '0' });
    advertiser = await callerFor(test, test.keys.advertiser);
    conversationId = conversationOf(await ask(test.platform.context, advertiser, 'help'));
  });

  afterAll(async () => {
    await test?.close();
  });

  it('rejects a REST message while an answer runs', async () => {
    const running = answerMessage(test.platform.context, advertiser, {
      conversationId,
      clientMessageId: randomUUID(),
      text: 'list my clean rooms',
      signal: new AbortController().signal,
    });
    await running.next();

    const { status, body } = await sendJson<{ error: { code: string } }>(
      test.app,
      test.keys.advertiser,
      'POST',
      '/api/v1/chat',
      { conversationId, clientMessageId: randomUUID(), text: 'help' },
    );
    await running.return(undefined);

    expect(status).toBe(409);
    expect(body.error.code).toBe('GENERATION_RUNNING');
  });

  it('answers again once the answer ended', async () => {
    const events = await ask(test.platform.context, advertiser, 'help', { conversationId });

    expect(finishOf(events).finishReason).toBe('stop');
  });

  it('leaves another user conversation to not found', async () => {
    const publisher = await callerFor(test, test.keys.publisher);

    await expect(
      ask(test.platform.context, publisher, 'help', { conversationId }),
    ).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
  });
});
