import type { BoundDataset } from '../../adapters/engine/engine.ts';
import type { DatasetRow } from '../../adapters/storage/repositories/datasets-repository.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { CreateRunRequest } from '../../domain/runs/question-run.ts';
import type { RunPreview } from '../../domain/runs/run-preview.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { prepareRun, type PreparedRun } from './prepare-run.ts';

export type PreviewRunRequest = Pick<CreateRunRequest, 'questionId' | 'parameters' | 'datasets'>;

/**
 * Checks a run request exactly as submitting it would, then estimates which
 * output rows the crowd size would suppress, without running the question
 * or storing a run. The estimate names no counts (see SuppressionEstimate).
 */
export async function previewRun(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
  request: PreviewRunRequest,
  signal?: AbortSignal,
): Promise<RunPreview> {
  const repos = repositories(context.db);
  const prepared = await prepareRun(repos, caller, cleanRoomRef, request);
  const { room, question, bound, parameters } = prepared;

  const estimate = await context.engine.estimateSuppression({
    template: question.template,
    parameters,
    datasets: [...bound].map(([macro, dataset]) => toBoundDataset(macro, dataset)),
    crowdSize: room.crowd_size,
    ownMacros: [...bound]
      .filter(([, dataset]) => dataset.organization_id === caller.organizationId)
      .map(([macro]) => macro),
    signal,
  });
  await repos.audit.record(caller, {
    action: 'run.preview',
    objectType: 'question',
    objectId: question.id,
    cleanRoomId: room.id,
    details: { parameters },
  });
  return toPreview(prepared, estimate);
}

function toBoundDataset(macro: string, dataset: DatasetRow): BoundDataset {
  return {
    macro,
    datasetId: dataset.id,
    location: dataset.storage_location,
    columns: dataset.columns,
  };
}

function toPreview(prepared: PreparedRun, estimate: RunPreview['estimate']): RunPreview {
  const { room, question, bound, parameters } = prepared;
  return {
    cleanRoom: { id: room.id, displayId: room.display_id, name: room.name },
    question: {
      id: question.id,
      displayId: question.display_id,
      template: question.template,
      name: question.name,
    },
    parameters,
    datasets: [...bound].map(([macro, dataset]) => ({
      macro,
      datasetId: dataset.id,
      name: dataset.name,
      ownerOrganization: { id: dataset.organization_id, name: dataset.organization_name },
    })),
    privacy: {
      crowdSize: room.crowd_size,
      noise: { enabled: room.noise_enabled, scale: room.noise_scale },
    },
    estimate,
  };
}
