import {
  conversationDetailSchema,
  conversationSchema,
} from '../../../src/domain/chat/conversation.ts';
import { pageSchema } from '../../../src/domain/pagination/page.ts';
import { apiFetch, apiRequest, toQueryString } from './api-client.ts';

/**
 * The calling user's chat conversations over REST. The chat page imports
 * this module when it first needs it, because the shared schemas load the
 * full zod, which stays off the first route.
 */

const ConversationPageSchema = pageSchema(conversationSchema);

/** Conversations shown per page of the history list. */
export const CONVERSATION_PAGE_SIZE = 20;

/** Lists conversations, most recently active first. */
export const fetchConversations = (cursor: string | undefined) =>
  apiRequest(
    ConversationPageSchema,
    `/conversations${toQueryString({ cursor, limit: CONVERSATION_PAGE_SIZE })}`,
  );

/** Reads a conversation with its messages, tool results and run evidence, oldest message first. */
export const fetchConversation = (conversationId: string) =>
  apiRequest(conversationDetailSchema, `/conversations/${encodeURIComponent(conversationId)}`);

/** Deletes a conversation and its messages. The runs it started keep going. */
export const deleteConversation = async (conversationId: string): Promise<void> => {
  await apiFetch(`/conversations/${encodeURIComponent(conversationId)}`, { method: 'DELETE' });
};
