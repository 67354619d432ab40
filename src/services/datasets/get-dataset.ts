import { cacheKey, cacheTags } from '../../adapters/cache/cache-keys.ts';
import type { Dataset } from '../../domain/datasets/dataset-view.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { Repositories } from '../service-context.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toDatasetView } from './dataset-view.ts';

/** Returns a dataset the caller's organization owns. */
export async function getDataset(
  context: ServiceContext,
  caller: Caller,
  datasetId: string,
): Promise<Dataset> {
  return context.cache.getOrSet({
    key: cacheKey('dataset', caller.organizationId, datasetId),
    kind: 'detail',
    tags: [cacheTags.organizationDatasets(caller.organizationId)],
    load: async () =>
      toDatasetView(await loadOwnedDataset(repositories(context.db), caller, datasetId)),
  });
}

export async function loadOwnedDataset(repos: Repositories, caller: Caller, datasetId: string) {
  const row = await repos.datasets.findOwned(caller.organizationId, datasetId);
  if (row) return row;

  throw new AppError(
    'DATASET_NOT_FOUND',
    `Dataset ${datasetId} was not found among your organization's datasets.`,
    {
      details: { datasetId },
    },
  );
}
