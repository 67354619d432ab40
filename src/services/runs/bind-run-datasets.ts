import { AppError } from '../../domain/errors/app-error.ts';
import { checkDatasetFitsMacro } from '../../domain/questions/check-dataset-fits-macro.ts';
import type {
  DatasetMacro,
  QuestionDefinition,
} from '../../domain/questions/question-definition.ts';
import type { CleanRoomRow } from '../../adapters/storage/repositories/clean-rooms-repository.ts';
import type { DatasetRow } from '../../adapters/storage/repositories/datasets-repository.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { Repositories } from '../service-context.ts';

/**
 * Chooses the dataset of each macro of a question: the one the request names,
 * or else the single attached dataset that fits. Every bound dataset must be
 * attached to the room and owned by one of its partners, and a RUNNER macro
 * takes only the caller's own data.
 */
export async function bindRunDatasets(
  repos: Repositories,
  caller: Caller,
  room: CleanRoomRow,
  definition: QuestionDefinition,
  requested: Record<string, string> = {},
): Promise<Map<string, DatasetRow>> {
  rejectUnknownMacros(definition, requested);
  const attached = await repos.datasets.listForRoom(room.id);
  const partnerIds = new Set(
    (await repos.partners.listForRoom(room.id)).map((partner) => partner.organization_id),
  );
  const bound = new Map<string, DatasetRow>();

  for (const macro of definition.datasetMacros) {
    const requestedId = requested[macro.macro];
    const dataset = requestedId
      ? await requireAttached(repos, caller, room, requestedId)
      : pickSingleFit(macro, attached, caller, room);
    requireSupplier(macro, dataset, caller, partnerIds);
    checkDatasetFitsMacro(macro, dataset);
    bound.set(macro.macro, dataset);
  }
  return bound;
}

function rejectUnknownMacros(
  definition: QuestionDefinition,
  requested: Record<string, string>,
): void {
  const known = definition.datasetMacros.map((macro) => macro.macro);
  const unknown = Object.keys(requested).filter((macro) => !known.includes(macro));
  if (unknown.length === 0) return;

  throw new AppError(
    'PARAMETER_INVALID',
    `Unknown dataset macro ${unknown.join(', ')}; this question takes ${known.join(', ')}.`,
    {
      details: { field: 'datasets', received: unknown, allowedValues: known },
    },
  );
}

/**
 * Loads a requested dataset attached to the room. For a dataset that is not
 * the caller's, the error is the same whether it exists or not, so another
 * organization's dataset ids cannot be probed.
 */
async function requireAttached(
  repos: Repositories,
  caller: Caller,
  room: CleanRoomRow,
  datasetId: string,
): Promise<DatasetRow> {
  const dataset = await repos.datasets.findAttached(room.id, datasetId);
  if (dataset) return dataset;

  if (await repos.datasets.findOwned(caller.organizationId, datasetId)) {
    throw new AppError(
      'DATASET_NOT_ATTACHED',
      `Dataset ${datasetId} is not attached to clean room ${room.display_id}; attach it first with PUT /api/v1/cleanrooms/${room.display_id}/datasets/${datasetId} (REST API; no MCP tool attaches datasets).`,
      {
        details: { datasetId },
      },
    );
  }
  throw new AppError(
    'DATASET_NOT_PARTNER',
    `Dataset ${datasetId} is not a dataset attached by a partner of clean room ${room.display_id}; only partners' attached datasets can be used.`,
    {
      details: { datasetId },
    },
  );
}

/**
 * Builds the text naming who can attach a dataset for the macro, and with
 * which REST route or CLI command. No MCP tool attaches datasets, so the
 * text for MCP clients states that.
 */
function attachHint(macro: DatasetMacro, room: CleanRoomRow): string {
  const types = macro.dataTypes.join(' or ');
  const attachWays = `PUT /api/v1/cleanrooms/${room.display_id}/datasets/{datasetId} in the REST API, or import a file with "npx cleanroom import-csv <file> --attach-to ${room.display_id}"; no MCP tool attaches datasets.`;
  if (macro.suppliedBy === 'PARTNER')
    return `a partner must attach one of type ${types}, because you can attach only your own datasets. Partners attach with ${attachWays}`;
  return `attach one of your datasets of type ${types} with ${attachWays}`;
}

function pickSingleFit(
  macro: DatasetMacro,
  attached: DatasetRow[],
  caller: Caller,
  room: CleanRoomRow,
): DatasetRow {
  const candidates = fittingDatasets(macro, attached, caller);
  if (candidates.length === 1) return candidates[0]!;

  if (candidates.length === 0) {
    throw new AppError(
      'DATASET_UNSUITABLE',
      `No dataset attached to ${room.display_id} fits ${macro.macro} (${macro.description}); ${attachHint(macro, room)}`,
      {
        details: { macro: macro.macro, dataTypes: macro.dataTypes },
      },
    );
  }
  throw new AppError(
    'PARAMETER_INVALID',
    `Several datasets fit ${macro.macro}: ${candidates.map((dataset) => `${dataset.name} (${dataset.id})`).join(', ')}; choose one with datasets: { "${macro.macro}": "<dataset id>" }.`,
    {
      details: {
        field: 'datasets',
        macro: macro.macro,
        allowedValues: candidates.map((dataset) => dataset.id),
      },
    },
  );
}

/**
 * Returns the attached datasets a macro could take when the request names
 * none: those of the right supplier that fit the macro. A run binds the
 * macro by default only when exactly one dataset fits.
 */
export function fittingDatasets(
  macro: DatasetMacro,
  attached: DatasetRow[],
  caller: Caller,
): DatasetRow[] {
  return attached.filter(
    (dataset) => fitsSupplier(macro, dataset, caller) && fitsQuietly(macro, dataset),
  );
}

function fitsSupplier(macro: DatasetMacro, dataset: DatasetRow, caller: Caller): boolean {
  if (macro.suppliedBy === 'RUNNER') return dataset.organization_id === caller.organizationId;
  if (macro.suppliedBy === 'PARTNER') return dataset.organization_id !== caller.organizationId;
  return true;
}

function fitsQuietly(macro: DatasetMacro, dataset: DatasetRow): boolean {
  try {
    checkDatasetFitsMacro(macro, dataset);
    return true;
  } catch {
    // An unfit dataset is simply not a candidate for this macro.
    return false;
  }
}

function requireSupplier(
  macro: DatasetMacro,
  dataset: DatasetRow,
  caller: Caller,
  partnerIds: Set<string>,
): void {
  if (!partnerIds.has(dataset.organization_id)) {
    throw new AppError(
      'DATASET_NOT_PARTNER',
      `Dataset ${dataset.name} belongs to ${dataset.organization_name}, which is not a partner of this clean room.`,
      {
        details: { datasetId: dataset.id, macro: macro.macro },
      },
    );
  }
  if (fitsSupplier(macro, dataset, caller)) return;

  const supplier = macro.suppliedBy === 'RUNNER' ? "your organization's" : "a partner's";
  throw new AppError(
    'DATASET_UNSUITABLE',
    `${macro.macro} takes ${supplier} data; dataset ${dataset.name} belongs to ${dataset.organization_name}.`,
    {
      details: { datasetId: dataset.id, macro: macro.macro, suppliedBy: macro.suppliedBy },
    },
  );
}
