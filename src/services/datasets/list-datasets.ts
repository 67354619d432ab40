import type { Dataset } from '../../domain/datasets/dataset-view.ts';
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
import { toDatasetView } from './dataset-view.ts';

/** Lists the datasets the caller's organization owns, newest first. */
export async function listDatasets(
  context: ServiceContext,
  caller: Caller,
  query: PageQuery,
): Promise<Page<Dataset>> {
  const limit = resolvePageSize(query.limit, context.settings.pageSizeMax);
  return context.cache.getOrSet({
    key: cacheKey('datasets', caller.organizationId, limit, query.cursor),
    kind: 'list',
    tags: [cacheTags.organizationDatasets(caller.organizationId)],
    load: () => loadDatasetsPage(context, caller, query.cursor, limit),
  });
}

async function loadDatasetsPage(
  context: ServiceContext,
  caller: Caller,
  cursor: string | undefined,
  limit: number,
): Promise<Page<Dataset>> {
  const after = decodeTimeKeyset(cursor);
  const rows = await repositories(context.db).datasets.listOwned(caller.organizationId, {
    after: after && { createdAt: after.at, id: after.id },
    limit,
  });
  return toPage(rows, limit, toDatasetView, (row) => [toIso(row.created_at), row.id]);
}
