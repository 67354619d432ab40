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
import type { AttachedDatasetNeed } from '../../adapters/storage/repositories/clean-rooms-repository.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import { findQuestionDefinition, questionCatalog } from '../../domain/questions/catalog.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toCleanRoomView } from './clean-room-view.ts';

export interface ListCleanRoomsQuery extends PageQuery {
  search?: string;
  status?: 'ACTIVE' | 'INACTIVE' | 'EXPIRED';
  /** Only rooms where another accepted partner organization is of this kind, such as PUBLISHER. */
  partnerKind?: string;
  /** Only rooms with attached datasets of the types this question's dataset inputs take, such as segment_sizing. */
  datasetsFor?: string;
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
      query.datasetsFor,
      limit,
      query.cursor,
    ),
    kind: 'list',
    tags(page) {
      return [
        cacheTags.organizationRooms(organizationId),
        ...(query.partnerKind ? [cacheTags.roomPartners()] : []),
        ...(query.datasetsFor ? [cacheTags.roomDatasets()] : []),
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
    datasetsFor: query.datasetsFor === undefined ? undefined : datasetNeeds(query.datasetsFor),
    after: after && { createdAt: after.at, id: after.id },
    limit,
  });
  return toPage(rows, limit, toCleanRoomView, (row) => [toIso(row.created_at), row.id]);
}

/**
 * Reads a question's dataset inputs as room filters. Identifier types and
 * required columns are left to preview_run, so a listed room can still
 * fail the question, but an unlisted one cannot run it.
 */
function datasetNeeds(template: string): AttachedDatasetNeed[] {
  const definition = findQuestionDefinition(template);
  if (!definition)
    throw new AppError(
      'PARAMETER_INVALID',
      `datasetsFor must be a question template (${questionCatalog.map((question) => question.template).join(', ')}); received "${template}".`,
      { details: { field: 'datasetsFor', received: template } },
    );
  return definition.datasetMacros.map(({ dataTypes, suppliedBy }) => ({ dataTypes, suppliedBy }));
}
