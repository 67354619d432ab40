import type { ConversationRow } from '../../adapters/storage/repositories/conversations-repository.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { Repositories } from '../service-context.ts';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Loads a conversation of the calling user; other users', even in the same organization, are not found. */
export async function loadConversation(
  repos: Repositories,
  caller: Caller,
  conversationId: string,
): Promise<ConversationRow> {
  const row = UUID_PATTERN.test(conversationId)
    ? await repos.conversations.findOwned(caller, conversationId)
    : undefined;
  if (row) return row;

  throw conversationNotFound(conversationId);
}

export function conversationNotFound(conversationId: string): AppError {
  return new AppError(
    'CONVERSATION_NOT_FOUND',
    `Conversation "${conversationId}" was not found among your conversations; list them with GET /api/v1/conversations, or send conversationId null to start a new one.`,
    { details: { conversationId } },
  );
}
