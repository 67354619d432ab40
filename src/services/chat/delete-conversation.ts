import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { conversationSignalsOf } from './conversation-signals.ts';
import { conversationNotFound } from './load-conversation.ts';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Deletes one of the calling user's conversations with its messages, then
 * signals `conversation_deleted` so this process drops its stream log.
 */
export async function deleteConversation(
  context: ServiceContext,
  caller: Caller,
  conversationId: string,
): Promise<void> {
  const deleted =
    UUID_PATTERN.test(conversationId) &&
    (await repositories(context.db).conversations.deleteOwned(caller, conversationId));
  if (!deleted) throw conversationNotFound(conversationId);

  conversationSignalsOf(context).emit('conversation_deleted', conversationId);
}
