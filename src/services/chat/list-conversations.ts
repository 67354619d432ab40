import type { ConversationRow } from '../../adapters/storage/repositories/conversations-repository.ts';
import { toIso } from '../../adapters/storage/repositories/row-mapping.ts';
import type { Conversation } from '../../domain/chat/conversation.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import {
  decodeTimeKeyset,
  resolvePageSize,
  toPage,
  type Page,
  type PageQuery,
} from '../../domain/pagination/page.ts';
import { repositories, type ServiceContext } from '../service-context.ts';

/** Lists the calling user's conversations, most recently active first. */
export async function listConversations(
  context: ServiceContext,
  caller: Caller,
  query: PageQuery,
): Promise<Page<Conversation>> {
  const limit = resolvePageSize(query.limit, context.settings.pageSizeMax);
  const after = decodeTimeKeyset(query.cursor);
  const rows = await repositories(context.db).conversations.listOwned(caller, {
    after: after && { updatedAt: after.at, id: after.id },
    limit,
  });
  return toPage(rows, limit, toConversationView, (row) => [toIso(row.updated_at), row.id]);
}

export function toConversationView(row: ConversationRow): Conversation {
  return {
    id: row.id,
    title: row.title,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}
