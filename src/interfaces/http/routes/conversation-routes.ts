import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { conversationDetailSchema, conversationSchema } from '../../../domain/chat/conversation.ts';
import { PageQuerySchema, pageSchema } from '../../../domain/pagination/page.ts';
import { deleteConversation } from '../../../services/chat/delete-conversation.ts';
import { getConversation } from '../../../services/chat/get-conversation.ts';
import { listConversations } from '../../../services/chat/list-conversations.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { callerOf } from '../authenticate.ts';
import { commonErrorResponses } from '../error-envelope.ts';

const ConversationParams = z.object({ conversationId: z.string().min(1).max(100) });
const tags = ['Chat'];

/** Registers the routes that list, reopen and delete the calling user's chat conversations. Messages go over the WebSocket or POST /chat. */
export function conversationRoutes(context: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/conversations', {
      schema: {
        tags,
        summary: 'List your chat conversations, most recently active first',
        querystring: PageQuerySchema,
        response: { 200: pageSchema(conversationSchema), ...commonErrorResponses },
      },
      handler: (request) => listConversations(context, callerOf(request), request.query),
    });

    app.get('/conversations/:conversationId', {
      schema: {
        tags,
        summary: 'Get a conversation with its messages, tool results and run evidence',
        params: ConversationParams,
        response: { 200: conversationDetailSchema, ...commonErrorResponses },
      },
      handler: (request) =>
        getConversation(context, callerOf(request), request.params.conversationId),
    });

    app.delete('/conversations/:conversationId', {
      schema: {
        tags,
        summary: 'Delete a conversation and its messages',
        params: ConversationParams,
        response: { 204: z.null(), ...commonErrorResponses },
      },
      handler: async (request, reply) => {
        await deleteConversation(context, callerOf(request), request.params.conversationId);
        return reply.status(204).send(null);
      },
    });
  };
}
