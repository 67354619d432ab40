import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatStreamEvent } from '../../src/domain/chat/chat-stream-event.ts';
import { chatStreamEventSchema } from '../../src/domain/chat/chat-stream-event.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { answerMessage } from '../../src/services/chat/answer-message.ts';
import { deleteConversation } from '../../src/services/chat/delete-conversation.ts';
import { getConversation } from '../../src/services/chat/get-conversation.ts';
import { listConversations } from '../../src/services/chat/list-conversations.ts';
import { getJson, sendJson } from '../support/api-helpers.ts';
import {
  bearer,
  startTestPlatform,
  type Backend,
  type TestPlatform,
} from '../support/test-platform.ts';
import {
  addUser,
  ask,
  callerFor,
  conversationOf,
  finishOf,
  ofType,
  textOf,
  useChatRuntime,
} from './support/chat-test-kit.ts';

interface ConversationPage {
  items: { id: string; title: string }[];
  nextCursor: string | null;
}

/** Parses a text/event-stream body into its events' data. */
function parseServerSentEvents(body: string): ChatStreamEvent[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const data = block.split('\n').find((line) => line.startsWith('data: '));
      return chatStreamEventSchema.parse(JSON.parse(data?.slice('data: '.length) ?? 'null'));
    });
}

describe.each<Backend>(['postgres', 'pglite'])('conversations on %s', (backend) => {
  let test: TestPlatform;
  let advertiser: Caller;
  let colleague: Caller;
  let publisher: Caller;
  let conversationId: string;

  beforeAll(async () => {
    test = await startTestPlatform({ backend, seed: 'small', startWorker: false });
    // No worker runs here, so the assistant must not wait for its runs.
    useChatRuntime(test, { LLM_RUN_WAIT_SECONDS: '0' });
    advertiser = await callerFor(test, test.keys.advertiser);
    colleague = await addUser(test.platform.context, advertiser.organizationId);
    publisher = await callerFor(test, test.keys.publisher);
    const events = await ask(test.platform.context, advertiser, 'list my clean rooms');
    conversationId = conversationOf(events);
  });

  afterAll(async () => {
    await test?.close();
  });

  describe('between users', () => {
    it('hides a conversation from a colleague of the same organization', async () => {
      await expect(
        getConversation(test.platform.context, colleague, conversationId),
      ).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
      const page = await listConversations(test.platform.context, colleague, {});
      expect(page.items).toEqual([]);
    });

    it('hides a conversation from another organization', async () => {
      await expect(
        getConversation(test.platform.context, publisher, conversationId),
      ).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
    });

    it('rejects a message into someone else’s conversation', async () => {
      await expect(
        ask(test.platform.context, colleague, 'list my clean rooms', { conversationId }),
      ).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
    });

    it('keeps the last run of one user away from another', async () => {
      const run = await ask(
        test.platform.context,
        advertiser,
        'overlap with the publisher by region',
      );
      const evidence = ofType(run, 'evidence')[0]?.evidence;
      expect(evidence?.status).toBe('QUEUED');
      expect(textOf(run)).toContain(`I started run ${evidence?.runId}`);
      expect(finishOf(run).suggestions).toContain('What is the status of the run?');

      const status = await ask(test.platform.context, colleague, 'what is the status?');

      expect(ofType(status, 'tool_call')).toEqual([]);
      expect(textOf(status)).toContain('no run yet');
    });

    it('refuses to delete a colleague’s conversation', async () => {
      await expect(
        deleteConversation(test.platform.context, colleague, conversationId),
      ).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
    });
  });

  describe('messages', () => {
    it('answers a clientMessageId only once', async () => {
      const clientMessageId = randomUUID();
      await ask(test.platform.context, advertiser, 'what questions can I run?', {
        conversationId,
        clientMessageId,
      });

      await expect(
        ask(test.platform.context, advertiser, 'what questions can I run?', {
          conversationId,
          clientMessageId,
        }),
      ).rejects.toMatchObject({ code: 'CHAT_MESSAGE_DUPLICATE', status: 409 });
      const conversation = await getConversation(test.platform.context, advertiser, conversationId);
      const copies = conversation.messages.filter(
        (message) => message.clientMessageId === clientMessageId,
      );
      expect(copies.map((message) => message.role)).toEqual(['user', 'assistant']);
    });

    it('rejects a message over the length limit', async () => {
      await expect(ask(test.platform.context, advertiser, 'x'.repeat(4_001))).rejects.toMatchObject(
        {
          code: 'CHAT_MESSAGE_TOO_LONG',
        },
      );
    });

    it('counts an emoji as one character', async () => {
      const typed = 'é'.repeat(3_998) + '😀';
      const events = await ask(test.platform.context, advertiser, typed);
      expect(events[0]).toMatchObject({ type: 'answer_started' });

      await expect(ask(test.platform.context, advertiser, typed + '😀😀')).rejects.toMatchObject({
        code: 'CHAT_MESSAGE_TOO_LONG',
        message: expect.stringContaining('The message has 4001 characters'),
      });
    });

    it('stores an answer the reader abandoned as aborted', async () => {
      const events = answerMessage(test.platform.context, advertiser, {
        conversationId: null,
        clientMessageId: randomUUID(),
        text: 'list my clean rooms',
        signal: new AbortController().signal,
      });
      let abandoned = '';
      for await (const event of events) {
        if (event.type === 'answer_started') abandoned = event.conversationId;
        break;
      }

      const conversation = await getConversation(test.platform.context, advertiser, abandoned);
      expect(conversation.messages[1]).toMatchObject({ finishReason: 'aborted', incomplete: true });
    });
  });

  describe('REST', () => {
    it('lists the caller’s conversations, newest first, in pages', async () => {
      const first = await getJson<ConversationPage>(
        test.app,
        test.keys.advertiser,
        '/api/v1/conversations?limit=1',
      );
      const second = await getJson<ConversationPage>(
        test.app,
        test.keys.advertiser,
        `/api/v1/conversations?limit=1&cursor=${first.body.nextCursor}`,
      );

      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(1);
      expect(second.body.items).toHaveLength(1);
      expect(second.body.items[0]?.id).not.toBe(first.body.items[0]?.id);
    });

    it('reopens a conversation with its messages', async () => {
      const { status, body } = await getJson<{ title: string; messages: { role: string }[] }>(
        test.app,
        test.keys.advertiser,
        `/api/v1/conversations/${conversationId}`,
      );

      expect(status).toBe(200);
      expect(body.title).toBe('list my clean rooms');
      expect(body.messages.slice(0, 2).map((message) => message.role)).toEqual([
        'user',
        'assistant',
      ]);
    });

    it('answers over Server-Sent Events', async () => {
      const response = await test.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: bearer(test.keys.advertiser),
        payload: { conversationId, clientMessageId: randomUUID(), text: 'list my clean rooms' },
      });

      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/event-stream');
      const events = parseServerSentEvents(response.body);
      expect(events[0]).toMatchObject({ type: 'answer_started', conversationId });
      expect(finishOf(events).finishReason).toBe('stop');
      expect(textOf(events)).toContain('CR-000001');
    });

    it('rejects a duplicate message over HTTP with 409', async () => {
      const payload = {
        conversationId,
        clientMessageId: randomUUID(),
        text: 'list my clean rooms',
      };
      await test.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: bearer(test.keys.advertiser),
        payload,
      });

      const { status, body } = await sendJson<{ error: { code: string } }>(
        test.app,
        test.keys.advertiser,
        'POST',
        '/api/v1/chat',
        payload,
      );

      expect(status).toBe(409);
      expect(body.error.code).toBe('CHAT_MESSAGE_DUPLICATE');
    });

    it('rejects a 2 MB chat body with REQUEST_TOO_LARGE', async () => {
      const response = await test.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: { ...bearer(test.keys.advertiser), 'content-type': 'application/json' },
        payload: JSON.stringify({
          conversationId,
          clientMessageId: randomUUID(),
          text: 'x'.repeat(2 * 1024 * 1024),
        }),
      });

      expect(response.statusCode).toBe(413);
      const error = response.json<{ error: { code: string; message: string } }>().error;
      expect(error.code).toBe('REQUEST_TOO_LARGE');
      expect(error.message).toContain('65536 bytes');
      expect(error.message).toContain('4000 characters');
    });

    it('rejects a reused id with another text over HTTP', async () => {
      const clientMessageId = randomUUID();
      await test.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: bearer(test.keys.advertiser),
        payload: { conversationId, clientMessageId, text: 'list my clean rooms' },
      });

      const { status, body } = await sendJson<{
        error: { code: string; message: string; details: { clientMessageId: string } };
      }>(test.app, test.keys.advertiser, 'POST', '/api/v1/chat', {
        conversationId,
        clientMessageId,
        text: 'what questions can I run?',
      });

      expect(status).toBe(409);
      expect(body.error.code).toBe('MESSAGE_ID_REUSED');
      expect(body.error.message).toContain(clientMessageId);
      expect(body.error.message).toContain('new clientMessageId');
      expect(body.error.details.clientMessageId).toBe(clientMessageId);
    });

    it('returns 404 for another user’s conversation', async () => {
      const { status, body } = await getJson<{ error: { code: string } }>(
        test.app,
        test.keys.publisher,
        `/api/v1/conversations/${conversationId}`,
      );

      expect(status).toBe(404);
      expect(body.error.code).toBe('CONVERSATION_NOT_FOUND');
    });

    it('documents the chat routes in OpenAPI', async () => {
      const response = await test.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      const document = response.json() as {
        paths: Record<string, { post?: { description?: string } }>;
      };
      const paths = Object.keys(document.paths);

      expect(paths).toContain('/api/v1/chat');
      expect(paths).toContain('/api/v1/conversations/{conversationId}');
      expect(document.paths['/api/v1/chat']?.post?.description).toContain('MESSAGE_ID_REUSED');
    });

    it('deletes a conversation', async () => {
      const deleted = await sendJson(
        test.app,
        test.keys.advertiser,
        'DELETE',
        `/api/v1/conversations/${conversationId}`,
      );
      const after = await getJson(
        test.app,
        test.keys.advertiser,
        `/api/v1/conversations/${conversationId}`,
      );

      expect(deleted.status).toBe(204);
      expect(after.status).toBe(404);
    });
  });
});
