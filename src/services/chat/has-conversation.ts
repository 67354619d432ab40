import { isAppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { loadConversation } from './load-conversation.ts';

/** Tells whether the calling user has this conversation; false once it is deleted or when another user owns it. */
export async function hasConversation(
  context: ServiceContext,
  caller: Caller,
  conversationId: string,
): Promise<boolean> {
  try {
    await loadConversation(repositories(context.db), caller, conversationId);
    return true;
  } catch (error) {
    if (isAppError(error) && error.code === 'CONVERSATION_NOT_FOUND') return false;
    throw error;
  }
}
