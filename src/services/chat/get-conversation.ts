import type { ConversationDetail } from '../../domain/chat/conversation.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toMessageView } from './chat-message-view.ts';
import { toConversationView } from './list-conversations.ts';
import { loadConversation } from './load-conversation.ts';

/** Returns one of the calling user's conversations with all its messages, oldest first. */
export async function getConversation(
  context: ServiceContext,
  caller: Caller,
  conversationId: string,
): Promise<ConversationDetail> {
  const repos = repositories(context.db);
  const conversation = await loadConversation(repos, caller, conversationId);
  const messages = await repos.chatMessages.listForConversation(conversation.id);
  return { ...toConversationView(conversation), messages: messages.map(toMessageView) };
}
