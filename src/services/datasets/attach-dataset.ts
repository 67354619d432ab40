import { cacheTags } from '../../adapters/cache/cache-keys.ts';
import type { Dataset } from '../../domain/datasets/dataset-view.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { loadCleanRoom, requireRole, requireWritable } from '../clean-rooms/load-clean-room.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toDatasetView } from './dataset-view.ts';
import { loadOwnedDataset } from './get-dataset.ts';

/**
 * Attaches one of the caller's datasets to a clean room it is an owner or
 * analyst of. Attaching twice is a no-op.
 */
export async function attachDataset(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
  datasetId: string,
): Promise<Dataset> {
  const repos = repositories(context.db);
  const room = await loadCleanRoom(repos, caller, cleanRoomRef);
  requireRole(room, ['OWNER', 'ANALYST'], 'attaching datasets');
  requireWritable(room);
  const dataset = await loadOwnedDataset(repos, caller, datasetId);

  if (await repos.datasets.attach(room.id, dataset.id)) {
    await repos.audit.record(caller, {
      action: 'dataset.attach',
      objectType: 'dataset',
      objectId: dataset.id,
      cleanRoomId: room.id,
    });
    await context.cache.invalidateTags([cacheTags.cleanRoom(room.id), cacheTags.roomDatasets()]);
  }
  return toDatasetView(dataset);
}
