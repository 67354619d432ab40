import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatStreamEvent } from '../../src/domain/chat/chat-stream-event.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { AnswerClaim } from '../../src/services/chat/answer-claim.ts';
import { answerMessage } from '../../src/services/chat/answer-message.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import {
  ask,
  callerFor,
  conversationOf,
  finishOf,
  useChatRuntime,
} from './support/chat-test-kit.ts';

interface ErrorBody {
  error: { code: string; message: string; details?: { conversationId?: string } };
}

/** Claims that outlive their time to live unless renewed, in milliseconds. */
const SHORT_CLAIM_MS = 1_000;

/** Waits on the real clock, because claims expire on the database clock, which no fake timer moves. */
function pastShortClaim(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SHORT_CLAIM_MS * 2.5));
}

/** Two web processes on one PostgreSQL schema, as a scaled-out deployment runs them. */
describe('one answer at a time across processes', () => {
  let first: TestPlatform;
  let second: TestPlatform;
  let advertiser: Caller;

  beforeAll(async () => {
    first = await startTestPlatform({ backend: 'postgres', seed: 'small', startWorker: false });
    second = await startTestPlatform({
      backend: 'postgres',
      seed: 'none',
      startWorker: false,
      reuse: { dataDir: first.dataDir, schema: first.schema },
    });
    useChatRuntime(first, { LLM_RUN_WAIT_SECONDS: '0' });
    useChatRuntime(second, { LLM_RUN_WAIT_SECONDS: '0' });
    advertiser = await callerFor(first, first.keys.advertiser);
  });

  afterAll(async () => {
    await second?.stop();
    await first?.close();
  });

  /** Starts an answer in the first process and stops once it has started, holding its claim. */
  async function startAnswer(conversationId: string) {
    const running = answerMessage(first.platform.context, advertiser, {
      conversationId,
      clientMessageId: randomUUID(),
      text: 'list my clean rooms',
      signal: new AbortController().signal,
    });
    const started = await running.next();
    expect(started.value).toMatchObject({ type: 'answer_started', conversationId });
    return running;
  }

  /** Sends a message over REST to the second process. Its body is an error, or the answer as SSE. */
  async function sendToSecond(conversationId: string, key = first.keys.advertiser) {
    const response = await second.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: { authorization: `Bearer ${key}` },
      payload: { conversationId, clientMessageId: randomUUID(), text: 'help' },
    });
    const body = response.statusCode === 200 ? null : response.json<ErrorBody>();
    return { status: response.statusCode, body, text: response.body };
  }

  async function newConversation(): Promise<string> {
    return conversationOf(await ask(first.platform.context, advertiser, 'help'));
  }

  async function claimOf(conversationId: string) {
    const rows = await first.platform.context.db.query<{ answer_claim_id: string | null }>(
      'SELECT answer_claim_id FROM conversations WHERE id = $1',
      [conversationId],
    );
    return rows[0]?.answer_claim_id;
  }

  it('rejects a message in another process while an answer runs', async () => {
    const conversationId = await newConversation();
    const running = await startAnswer(conversationId);

    const { status, body } = await sendToSecond(conversationId);
    await running.return(undefined);

    expect(status).toBe(409);
    expect(body?.error.code).toBe('GENERATION_RUNNING');
    expect(body?.error.message).toContain(conversationId);
    expect(body?.error.details?.conversationId).toBe(conversationId);
  });

  it('does not store the rejected message', async () => {
    const conversationId = await newConversation();
    const running = await startAnswer(conversationId);

    await sendToSecond(conversationId);
    await running.return(undefined);

    const rows = await first.platform.context.db.query<{ count: number }>(
      `SELECT count(*) AS count FROM chat_messages WHERE conversation_id = $1 AND role = 'user'`,
      [conversationId],
    );
    expect(Number(rows[0]?.count)).toBe(2);
  });

  it('rejects the service call of the other process too', async () => {
    const conversationId = await newConversation();
    const running = await startAnswer(conversationId);

    const rejected = ask(second.platform.context, advertiser, 'help', { conversationId });

    await expect(rejected).rejects.toMatchObject({ code: 'GENERATION_RUNNING' });
    await running.return(undefined);
  });

  it('answers in the other process once the answer ended', async () => {
    const conversationId = await newConversation();
    const running = await startAnswer(conversationId);
    const rest: ChatStreamEvent[] = [];
    for (let next = await running.next(); !next.done; next = await running.next())
      rest.push(next.value);

    const { status, text } = await sendToSecond(conversationId);

    expect(finishOf(rest).finishReason).toBe('stop');
    expect(status).toBe(200);
    expect(text).toContain('event: answer_finished');
    expect(await claimOf(conversationId)).toBeNull();
  });

  it('answers once the claim of a crashed process expired', async () => {
    const conversationId = await newConversation();
    // A process that crashed while answering leaves its claim behind, already past its expiry here.
    await first.platform.context.db.query(
      `UPDATE conversations SET answer_claim_id = $2,
              answer_claim_expires_at = clock_timestamp() - interval '1 second'
        WHERE id = $1`,
      [conversationId, randomUUID()],
    );

    const { status, text } = await sendToSecond(conversationId);

    expect(status).toBe(200);
    expect(text).toContain('event: answer_finished');
    expect(await claimOf(conversationId)).toBeNull();
  });

  it('rejects a message while the claim of a crashed process holds', async () => {
    const conversationId = await newConversation();
    await first.platform.context.db.query(
      `UPDATE conversations SET answer_claim_id = $2,
              answer_claim_expires_at = clock_timestamp() + interval '1 minute'
        WHERE id = $1`,
      [conversationId, randomUUID()],
    );

    const { status, body } = await sendToSecond(conversationId);

    expect(status).toBe(409);
    expect(body?.error.code).toBe('GENERATION_RUNNING');
  });

  it('keeps a renewed claim past its time to live', async () => {
    const conversationId = await newConversation();
    const claim = await AnswerClaim.acquire(first.platform.context, advertiser, conversationId, {
      ttlMs: SHORT_CLAIM_MS,
      renewMs: SHORT_CLAIM_MS / 10,
    });
    await pastShortClaim();

    const whileHeld = await sendToSecond(conversationId);
    await claim?.release();
    const afterRelease = await sendToSecond(conversationId);

    expect(claim).not.toBeNull();
    expect(whileHeld.status).toBe(409);
    expect(afterRelease.status).toBe(200);
  });

  it('lets the claim of a holder that stopped renewing lapse', async () => {
    const conversationId = await newConversation();
    // A renewal interval far past the test's end stands for a process that crashed after claiming.
    const claim = await AnswerClaim.acquire(first.platform.context, advertiser, conversationId, {
      ttlMs: SHORT_CLAIM_MS,
      renewMs: 3_600_000,
    });
    await pastShortClaim();

    const { status } = await sendToSecond(conversationId);
    await claim?.release();

    expect(status).toBe(200);
  });

  it('leaves another user conversation to not found', async () => {
    const conversationId = await newConversation();
    const running = await startAnswer(conversationId);

    const { status, body } = await sendToSecond(conversationId, first.keys.publisher);
    await running.return(undefined);

    expect(status).toBe(404);
    expect(body?.error.code).toBe('CONVERSATION_NOT_FOUND');
  });
});
