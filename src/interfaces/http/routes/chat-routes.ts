import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ChatStreamEvent } from '../../../domain/chat/chat-stream-event.ts';
import { chatRequestSchema } from '../../../domain/chat/conversation.ts';
import { answerMessage } from '../../../services/chat/answer-message.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { callerOf } from '../authenticate.ts';
import { commonErrorResponses } from '../error-envelope.ts';

/**
 * POST /chat: one user message in, the answer out as a Server-Sent-Events
 * stream of chat events (the WebSocket carries the same events). A message
 * that cannot be answered fails with a JSON error before the stream starts.
 */
export function chatRoutes(context: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/chat', {
      schema: {
        tags: ['Chat'],
        summary: 'Send a chat message; the answer streams back as text/event-stream',
        description: [
          'Each SSE event is named after the chat event type (answer_started, text_delta, tool_call, tool_result, evidence, answer_finished, answer_error) and its data is the event as JSON. Closing the connection stops the answer.',
          'A message that cannot be answered gets a JSON error before the stream starts: 409 CHAT_MESSAGE_DUPLICATE when the conversation already has this clientMessageId with the same text (a retry, not answered again), 409 MESSAGE_ID_REUSED when it has it with another text (send the message with a new clientMessageId), 409 GENERATION_RUNNING while another answer is written in the conversation, 404 CONVERSATION_NOT_FOUND and 422 CHAT_MESSAGE_TOO_LONG.',
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

function serverSentEvent(event: ChatStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
