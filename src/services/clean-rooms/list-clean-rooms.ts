import type { CleanRoom } from '../../domain/clean-rooms/clean-room.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import {
  decodeTimeKeyset,
  resolvePageSize,
  toPage,
  type Page,
  type PageQuery,
} from '../../domain/pagination/page.ts';
import { toIso } from '../../adapters/storage/repositories/row-mapping.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toCleanRoomView } from './clean-room-view.ts';

export interface ListCleanRoomsQuery extends PageQuery {
  search?: string;
  status?: 'ACTIVE' | 'INACTIVE' | 'EXPIRED';
}

/** Lists the clean rooms the caller's organization is a partner of, newest first. */
export async function listCleanRooms(
  context: ServiceContext,
  caller: Caller,
  query: ListCleanRoomsQuery,
): Promise<Page<CleanRoom>> {
  const limit = resolvePageSize(query.limit, context.settings.pageSizeMax);
  const after = decodeTimeKeyset(query.cursor);
  const rows = await repositories(context.db).cleanRooms.listVisible(caller.organizationId, {
    search: query.search,
    status: query.status,
    after: after && { createdAt: after.at, id: after.id },
    limit,
  });
  return toPage(rows, limit, toCleanRoomView, (row) => [toIso(row.created_at), row.id]);
}
