import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ChatStreamEvent } from '../../../domain/chat/chat-stream-event.ts';
import type { FastifyError } from 'fastify';
import {
  CHAT_MESSAGE_MAX_CHARACTERS,
  chatRequestSchema,
} from '../../../domain/chat/conversation.ts';
import { AppError } from '../../../domain/errors/app-error.ts';
import { answerMessage } from '../../../services/chat/answer-message.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { callerOf } from '../authenticate.ts';
import { commonErrorResponses } from '../error-envelope.ts';
import { handleError } from '../error-handler.ts';

/**
 * Body limit of POST /chat, in bytes. The largest valid request is a
 * 4,000-character message of emoji escaped as JSON (12 bytes per emoji,
 * 48,000 bytes) plus the ids, so 64 KiB leaves room for any valid request.
 */
const CHAT_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * POST /chat: one user message in, the answer out as a Server-Sent-Events
 * stream of chat events (the WebSocket carries the same events). A message
 * that cannot be answered fails with a JSON error before the stream starts.
 */
export function chatRoutes(context: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/chat', {
      bodyLimit: CHAT_BODY_LIMIT_BYTES,
      errorHandler(error, request, reply) {
        return handleError(chatBodyTooLarge(error) ?? error, request, reply);
      },
      schema: {
        tags: ['Chat'],
        summary: 'Send a chat message; the answer streams back as text/event-stream',
        description: [
          'Each SSE event is named after the chat event type (answer_started, text_delta, tool_call, tool_result, evidence, answer_finished, answer_error) and its data is the event as JSON. Closing the connection stops the answer.',
          `A message that cannot be answered gets a JSON error before the stream starts: 409 CHAT_MESSAGE_DUPLICATE when the conversation already has this clientMessageId with the same text (a retry, not answered again), 409 MESSAGE_ID_REUSED when it has it with another text (send the message with a new clientMessageId), 409 GENERATION_RUNNING while another answer is written in the conversation, 404 CONVERSATION_NOT_FOUND, 422 CHAT_MESSAGE_TOO_LONG (over ${CHAT_MESSAGE_MAX_CHARACTERS} characters, counted as Unicode code points) and 413 REQUEST_TOO_LARGE for a body over ${CHAT_BODY_LIMIT_BYTES} bytes.`,
          'An answer that loses its claim on the conversation ends with answer_error ANSWER_CLAIM_LOST and finishReason error.',
        ].join(' '),
        body: chatRequestSchema,
        response: commonErrorResponses,
      },
      handler: async (request, reply) => {
        const stop = new AbortController();
        const events = answerMessage(context, callerOf(request), {
          ...request.body,
          signal: stop.signal,
        })[Symbol.asyncIterator]();
        // The first event comes after the message is stored, so an AppError still gets a JSON response.
        const first = await events.next();

        reply.hijack();
        reply.raw.on('close', () => stop.abort());
        reply.raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          'x-request-id': request.id,
        });
        try {
          for (let next = first; !next.done; next = await events.next()) {
            if (reply.raw.destroyed) break;
            reply.raw.write(serverSentEvent(next.value));
          }
        } finally {
          // Ends the answer when the client left: it is stored as aborted.
          await events.return?.(undefined);
          reply.raw.end();
        }
      },
    });
  };
}

/** Maps Fastify's body limit error to REQUEST_TOO_LARGE naming this route's limit. The dataset import keeps IMPORT_TOO_LARGE. */
function chatBodyTooLarge(error: FastifyError | Error): AppError | null {
  if ((error as FastifyError).code !== 'FST_ERR_CTP_BODY_TOO_LARGE') return null;

  return new AppError(
    'REQUEST_TOO_LARGE',
    `The request body exceeds ${CHAT_BODY_LIMIT_BYTES} bytes, the limit of POST /api/v1/chat; send a message of at most ${CHAT_MESSAGE_MAX_CHARACTERS} characters.`,
    { details: { maximumBytes: CHAT_BODY_LIMIT_BYTES } },
  );
}

function serverSentEvent(event: ChatStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
