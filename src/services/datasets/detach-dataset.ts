import { cacheTags } from '../../adapters/cache/cache-keys.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { loadCleanRoom } from '../clean-rooms/load-clean-room.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { loadOwnedDataset } from './get-dataset.ts';

/** Detaches one of the caller's datasets from a clean room; queued runs that use it will fail. */
export async function detachDataset(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
  datasetId: string,
): Promise<void> {
  const repos = repositories(context.db);
  const room = await loadCleanRoom(repos, caller, cleanRoomRef);
  const dataset = await loadOwnedDataset(repos, caller, datasetId);
  if (!(await repos.datasets.detach(room.id, dataset.id))) {
    throw new AppError(
      'DATASET_NOT_ATTACHED',
      `Dataset ${dataset.name} is not attached to clean room ${room.display_id}.`,
      {
        details: { datasetId },
      },
    );
  }

  await repos.audit.record(caller, {
    action: 'dataset.detach',
    objectType: 'dataset',
    objectId: dataset.id,
    cleanRoomId: room.id,
  });
  await context.cache.invalidateTags([cacheTags.cleanRoom(room.id), cacheTags.roomDatasets()]);
}
