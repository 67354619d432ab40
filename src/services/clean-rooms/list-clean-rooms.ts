import type { CleanRoom } from '../../domain/clean-rooms/clean-room.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import {
  decodeTimeKeyset,
  resolvePageSize,
  toPage,
  type Page,
  type PageQuery,
} from '../../domain/pagination/page.ts';
import { cacheKey, cacheTags } from '../../adapters/cache/cache-keys.ts';
import { toIso } from '../../adapters/storage/repositories/row-mapping.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toCleanRoomView } from './clean-room-view.ts';

export interface ListCleanRoomsQuery extends PageQuery {
  search?: string;
  status?: 'ACTIVE' | 'INACTIVE' | 'EXPIRED';
  /** Only rooms where another accepted partner organization is of this kind, such as PUBLISHER. */
  partnerKind?: string;
}

/**
 * Lists the clean rooms the caller's organization is a partner of, newest
 * first. Cached per organization and query; a change of any listed room or of
 * the organization's memberships invalidates the page.
 */
export async function listCleanRooms(
  context: ServiceContext,
  caller: Caller,
  query: ListCleanRoomsQuery,
): Promise<Page<CleanRoom>> {
  const limit = resolvePageSize(query.limit, context.settings.pageSizeMax);
  const { organizationId } = caller;
  // Methods, not arrow functions: tsx wraps each arrow function created per call in a defineProperty of its name.
  return context.cache.getOrSet<Page<CleanRoom>>({
    key: cacheKey(
      'clean-rooms',
      organizationId,
      query.search,
      query.status,
      query.partnerKind,
      limit,
      query.cursor,
    ),
    kind: 'list',
    tags(page) {
      return [
        cacheTags.organizationRooms(organizationId),
        ...(query.partnerKind ? [cacheTags.roomPartners()] : []),
        ...page.items.map((room) => cacheTags.cleanRoom(room.id)),
      ];
    },
    load() {
      return loadCleanRoomsPage(context, caller, query, limit);
    },
  });
}

async function loadCleanRoomsPage(
  context: ServiceContext,
  caller: Caller,
  query: ListCleanRoomsQuery,
  limit: number,
): Promise<Page<CleanRoom>> {
  const after = decodeTimeKeyset(query.cursor);
  const rows = await repositories(context.db).cleanRooms.listVisible(caller.organizationId, {
    search: query.search,
    status: query.status,
    partnerKind: query.partnerKind,
    after: after && { createdAt: after.at, id: after.id },
    limit,
  });
  return toPage(rows, limit, toCleanRoomView, (row) => [toIso(row.created_at), row.id]);
}
