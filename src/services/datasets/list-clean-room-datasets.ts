import { cacheKey, cacheTags } from '../../adapters/cache/cache-keys.ts';
import type { Dataset } from '../../domain/datasets/dataset-view.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { loadCleanRoom } from '../clean-rooms/load-clean-room.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toDatasetView } from './dataset-view.ts';

/**
 * Lists the datasets attached to a clean room, every partner's. Partners see
 * descriptions (columns, row counts), never rows or storage locations.
 */
export async function listCleanRoomDatasets(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
): Promise<Dataset[]> {
  const cached = await context.cache.getOrSet({
    key: cacheKey('clean-room-datasets', caller.organizationId, cleanRoomRef),
    kind: 'list',
    tags: ({ cleanRoomId }) => [cacheTags.cleanRoom(cleanRoomId)],
    load: async () => {
      const repos = repositories(context.db);
      const room = await loadCleanRoom(repos, caller, cleanRoomRef);
      const datasets = (await repos.datasets.listForRoom(room.id)).map(toDatasetView);
      return { cleanRoomId: room.id, datasets };
    },
  });
  return cached.datasets;
}
