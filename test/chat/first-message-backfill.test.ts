import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import { migrate } from '../../src/adapters/storage/migrate.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { ask, callerFor, conversationOf, useChatRuntime } from './support/chat-test-kit.ts';

const BACKFILL_MIGRATION = '0007-chat-first-message-backfill';

interface ErrorBody {
  error: { code: string; details?: { conversationId?: string } };
}

/**
 * Conversations stored before migration 0006 added first_client_message_id
 * have none. The backfill migration takes it from each conversation's first
 * user message. These tests rebuild that state and apply the migration again.
 */
describe('first message id backfill', () => {
  let test: TestPlatform;
  let advertiser: Caller;
  const conversations: Record<string, string> = {};

  async function firstMessageIdOf(conversationId: string) {
    const rows = await test.platform.context.db.query<{ first_client_message_id: string | null }>(
      'SELECT first_client_message_id FROM conversations WHERE id = $1',
      [conversationId],
    );
    return rows[0]?.first_client_message_id;
  }

  async function start(clientMessageId: string): Promise<string> {
    const events = await ask(test.platform.context, advertiser, 'help', { clientMessageId });
    return conversationOf(events);
  }

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres', seed: 'small', startWorker: false });
    useChatRuntime(test, { LLM_RUN_WAIT_SECONDS: '0' });
    advertiser = await callerFor(test, test.keys.advertiser);
    const db = test.platform.context.db;

    conversations.plain = await start('old-plain');
    await ask(test.platform.context, advertiser, 'help', {
      conversationId: conversations.plain,
      clientMessageId: 'old-plain-second',
    });
    conversations.retried = await start('old-retried');
    conversations.retriedAgain = await start('old-retried-again');
    conversations.idInUse = await start('old-in-use');
    conversations.holder = await start('new-holder');

    // Before 0006 a retried first message started a second conversation under the same id.
    await db.query(
      `UPDATE chat_messages SET client_message_id = 'old-retried' WHERE conversation_id = $1`,
      [conversations.retriedAgain],
    );
    // A conversation whose first message id a newer conversation of the user already holds.
    await db.query(`UPDATE conversations SET first_client_message_id = NULL WHERE id <> $1`, [
      conversations.holder,
    ]);
    await db.query(
      `UPDATE conversations SET first_client_message_id = 'old-in-use' WHERE id = $1`,
      [conversations.holder],
    );

    await db.query('DELETE FROM schema_migrations WHERE id = $1', [BACKFILL_MIGRATION]);
    const applied = await migrate(db, createLogger('silent'));
    expect(applied).toEqual([BACKFILL_MIGRATION]);
  });

  afterAll(async () => {
    await test?.close();
  });

  it('takes the id of the first user message', async () => {
    expect(await firstMessageIdOf(conversations.plain!)).toBe('old-plain');
  });

  it('gives a repeated id to the oldest conversation only', async () => {
    expect(await firstMessageIdOf(conversations.retried!)).toBe('old-retried');
    expect(await firstMessageIdOf(conversations.retriedAgain!)).toBeNull();
  });

  it('leaves an id another conversation holds', async () => {
    expect(await firstMessageIdOf(conversations.idInUse!)).toBeNull();
    expect(await firstMessageIdOf(conversations.holder!)).toBe('old-in-use');
  });

  it('lets a retried first message find its old conversation', async () => {
    const response = await test.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: { authorization: `Bearer ${test.keys.advertiser}` },
      payload: { conversationId: null, clientMessageId: 'old-plain', text: 'help' },
    });

    expect(response.statusCode).toBe(409);
    const body = response.json<ErrorBody>();
    expect(body.error.code).toBe('CHAT_MESSAGE_DUPLICATE');
    expect(body.error.details?.conversationId).toBe(conversations.plain);
  });
});
