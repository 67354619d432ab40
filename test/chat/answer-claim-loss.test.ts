import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/storage/database.ts';
import type { ChatStreamEvent } from '../../src/domain/chat/chat-stream-event.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { answerMessage } from '../../src/services/chat/answer-message.ts';
import type { ServiceContext } from '../../src/services/service-context.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { callerFor, finishOf, ofType, useChatRuntime } from './support/chat-test-kit.ts';

/** Without a worker the run stays queued, so start_run waits for it and the answer keeps running. */
const OVERLAP_QUESTION = 'what is our overlap with the publisher by age band?';

/** A claim that lapses 1 s after its last renewal, renewed every 100 ms. */
const SHORT_CLAIM = { ttlMs: 1_000, renewMs: 100 };

interface StoredAnswer {
  content: { text: string; error: { code: string } | null };
  finish_reason: string | null;
  incomplete: boolean;
}

/**
 * Wraps the platform's database so that renewals of answer claims fail while
 * `renewalsFail` is set, as they do while the database cannot be reached.
 */
function databaseWithFailingRenewals(db: Database) {
  const state = { renewalsFail: false };
  const wrapped = new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
      return (sql: string, params?: readonly unknown[]) => {
        const isRenewal = sql.includes('SET answer_claim_expires_at') && !sql.includes('NULL');
        if (state.renewalsFail && isRenewal)
          return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
        return target.query(sql, params);
      };
    },
  });
  return { db: wrapped, state };
}

describe('answer that loses its claim', () => {
  let test: TestPlatform;
  let advertiser: Caller;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres', seed: 'small', startWorker: false });
    useChatRuntime(test, { LLM_RUN_WAIT_SECONDS: '30' });
    test.platform.context.chat = { ...test.platform.context.chat!, claimTiming: SHORT_CLAIM };
    advertiser = await callerFor(test, test.keys.advertiser);
  });

  afterAll(async () => {
    await test?.close();
  });

  /**
   * Asks the overlap question and calls `interfere` once start_run waits for
   * its run. Returns every event of the answer.
   */
  async function answerWith(
    context: ServiceContext,
    interfere: (conversationId: string) => Promise<void>,
  ): Promise<ChatStreamEvent[]> {
    const events: ChatStreamEvent[] = [];
    const answer = answerMessage(context, advertiser, {
      conversationId: null,
      clientMessageId: randomUUID(),
      text: OVERLAP_QUESTION,
      signal: new AbortController().signal,
    });
    for await (const event of answer) {
      events.push(event);
      if (event.type === 'tool_call' && event.toolName === 'start_run')
        await interfere(ofType(events, 'answer_started')[0]!.conversationId);
    }
    return events;
  }

  async function storedAnswer(conversationId: string): Promise<StoredAnswer | undefined> {
    const rows = await test.platform.context.db.query<StoredAnswer>(
      `SELECT content, finish_reason, incomplete FROM chat_messages
        WHERE conversation_id = $1 AND role = 'assistant'`,
      [conversationId],
    );
    return rows[0];
  }

  async function claimOf(conversationId: string): Promise<string | null | undefined> {
    const rows = await test.platform.context.db.query<{ answer_claim_id: string | null }>(
      'SELECT answer_claim_id FROM conversations WHERE id = $1',
      [conversationId],
    );
    return rows[0]?.answer_claim_id;
  }

  describe('when another process took the conversation', () => {
    const otherClaim = randomUUID();
    let events: ChatStreamEvent[];
    let conversationId: string;

    beforeAll(async () => {
      // The same update another process's claim makes once this claim expired.
      events = await answerWith(test.platform.context, async (id) => {
        await test.platform.context.db.query(
          `UPDATE conversations SET answer_claim_id = $2,
                  answer_claim_expires_at = clock_timestamp() + interval '1 minute'
            WHERE id = $1`,
          [id, otherClaim],
        );
      });
      conversationId = ofType(events, 'answer_started')[0]!.conversationId;
    });

    it('ends the answer as an error', () => {
      expect(finishOf(events)).toMatchObject({ finishReason: 'error', incomplete: true });
    });

    it('tells the user why with a stable code', () => {
      const errors = ofType(events, 'answer_error');

      expect(errors.map((error) => error.code)).toEqual(['ANSWER_CLAIM_LOST']);
      expect(errors[0]?.message).toContain('send your message again');
      expect(events.indexOf(errors[0]!)).toBeLessThan(events.length - 1);
    });

    it('writes nothing over the other process', async () => {
      const stored = await storedAnswer(conversationId);

      expect(stored?.finish_reason).toBeNull();
      expect(stored?.content.text).toBe('');
      expect(await claimOf(conversationId)).toBe(otherClaim);
    });
  });

  describe('when the claim could not be renewed', () => {
    let events: ChatStreamEvent[];
    let conversationId: string;

    beforeAll(async () => {
      const failing = databaseWithFailingRenewals(test.platform.context.db);
      const context = { ...test.platform.context, db: failing.db };
      events = await answerWith(context, async () => {
        failing.state.renewalsFail = true;
      });
      failing.state.renewalsFail = false;
      conversationId = ofType(events, 'answer_started')[0]!.conversationId;
    });

    it('ends the answer as an error', () => {
      expect(finishOf(events)).toMatchObject({ finishReason: 'error', incomplete: true });
      expect(ofType(events, 'answer_error').map((error) => error.code)).toEqual([
        'ANSWER_CLAIM_LOST',
      ]);
    });

    it('stores the answer with its error', async () => {
      const stored = await storedAnswer(conversationId);

      expect(stored?.finish_reason).toBe('error');
      expect(stored?.incomplete).toBe(true);
      expect(stored?.content.error?.code).toBe('ANSWER_CLAIM_LOST');
      expect(await claimOf(conversationId)).toBeNull();
    });
  });
});
