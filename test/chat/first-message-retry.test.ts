import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { useChatRuntime } from './support/chat-test-kit.ts';

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: { conversationId?: string; clientMessageId?: string };
  };
}

describe('retried first message over REST', () => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres', seed: 'small', startWorker: false });
    useChatRuntime(test, { LLM_RUN_WAIT_SECONDS: '0' });
  });

  afterAll(async () => {
    await test?.close();
  });

  async function conversationCount(): Promise<number> {
    const rows = await test.platform.context.db.query<{ count: string }>(
      'SELECT count(*) AS count FROM conversations',
    );
    return Number(rows[0]?.count);
  }

  async function sendFirst(clientMessageId: string, text = 'list my clean rooms') {
    return test.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: { authorization: `Bearer ${test.keys.advertiser}` },
      payload: { conversationId: null, clientMessageId, text },
    });
  }

  it('resolves to the conversation the first send created', async () => {
    const before = await conversationCount();
    const first = await sendFirst('first-retry');
    const started = /"conversationId":"([^"]+)"/.exec(first.body)?.[1];

    const retry = await sendFirst('first-retry');
    const body = retry.json<ErrorBody>();

    expect(first.statusCode).toBe(200);
    expect(retry.statusCode).toBe(409);
    expect(body.error.code).toBe('CHAT_MESSAGE_DUPLICATE');
    expect(body.error.details?.conversationId).toBe(started);
    expect(await conversationCount()).toBe(before + 1);
  });

  it('creates one conversation for two concurrent sends', async () => {
    const before = await conversationCount();

    const responses = await Promise.all([sendFirst('first-race'), sendFirst('first-race')]);

    expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 409]);
    expect(await conversationCount()).toBe(before + 1);
  });

  it('rejects the same id with another text', async () => {
    await sendFirst('first-other-text');

    const { status, body } = await sendJson<ErrorBody>(
      test.app,
      test.keys.advertiser,
      'POST',
      '/api/v1/chat',
      { conversationId: null, clientMessageId: 'first-other-text', text: 'status' },
    );

    expect(status).toBe(409);
    expect(body.error.code).toBe('MESSAGE_ID_REUSED');
    expect(body.error.message).toContain('first-other-text');
    expect(body.error.details?.clientMessageId).toBe('first-other-text');
  });

  it('lets another user reuse the id', async () => {
    await sendFirst('first-shared-id');

    const other = await test.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: { authorization: `Bearer ${test.keys.publisher}` },
      payload: { conversationId: null, clientMessageId: 'first-shared-id', text: 'help' },
    });

    expect(other.statusCode).toBe(200);
  });

  it('names an unknown body key in the error', async () => {
    const { status, body } = await sendJson<{
      error: { message: string; details: { issues: { field: string }[] } };
    }>(test.app, test.keys.advertiser, 'POST', '/api/v1/chat', {
      conversationId: null,
      clientMessageId: 'unknown-key',
      text: 'help',
      foo: 1,
    });

    expect(status).toBe(400);
    expect(body.error.details.issues.map((issue) => issue.field)).toEqual(['body.foo']);
    expect(body.error.message).toContain('body.foo');
  });
});
