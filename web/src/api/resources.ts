import { z } from 'zod';
import { CleanRoomSchema, PartnerSchema } from '../../../src/domain/clean-rooms/clean-room.ts';
import { DatasetSchema, type Dataset } from '../../../src/domain/datasets/dataset-view.ts';
import { pageSchema } from '../../../src/domain/pagination/page.ts';
import { CleanRoomQuestionSchema } from '../../../src/domain/questions/clean-room-question.ts';
import { QuestionSchema } from '../../../src/domain/questions/question-view.ts';
import {
  QuestionRunResultSchema,
  QuestionRunSchema,
  type CreateRunRequest,
} from '../../../src/domain/runs/question-run.ts';
import { RunPreviewSchema } from '../../../src/domain/runs/run-preview.ts';
import { apiFetch, apiRequest, toQueryString } from './api-client.ts';
import { SystemStatusSchema } from './session-schema.ts';

/** Page size of the virtualized lists: one request fills several screens. */
export const LIST_PAGE_SIZE = 200;

export const CleanRoomPageSchema = pageSchema(CleanRoomSchema);
export const DatasetPageSchema = pageSchema(DatasetSchema);
export const RunPageSchema = pageSchema(QuestionRunSchema);
const PartnerPageSchema = pageSchema(PartnerSchema);
const QuestionPageSchema = pageSchema(QuestionSchema);

export interface CleanRoomFilters {
  search: string;
  status: string;
}

export const fetchCleanRooms = (filters: CleanRoomFilters, cursor: string | undefined) =>
  apiRequest(
    CleanRoomPageSchema,
    `/cleanrooms${toQueryString({ ...filters, cursor, limit: LIST_PAGE_SIZE })}`,
  );

export const fetchCleanRoom = (id: string) =>
  apiRequest(CleanRoomSchema, `/cleanrooms/${encodeURIComponent(id)}`);

export const fetchPartners = (id: string) =>
  apiRequest(PartnerPageSchema, `/cleanrooms/${encodeURIComponent(id)}/partners?limit=100`);

export const fetchRoomDatasets = (id: string) =>
  apiRequest(DatasetPageSchema, `/cleanrooms/${encodeURIComponent(id)}/datasets?limit=100`);

/**
 * Lists the questions added to a clean room as plain questions, so COLUMN
 * parameters come without allowed values. The run form reads
 * fetchCleanRoomQuestion instead.
 */
export const fetchRoomQuestions = (id: string) =>
  apiRequest(QuestionPageSchema, `/cleanrooms/${encodeURIComponent(id)}/questions?limit=100`);

/**
 * Reads one question as the clean room resolves it for a run: COLUMN
 * parameters list the attribute columns they may name, and each dataset
 * macro lists the attached datasets it can take. A question not added to
 * the room fails with 404 QUESTION_NOT_FOUND.
 */
export const fetchCleanRoomQuestion = (cleanRoomId: string, questionId: string) =>
  apiRequest(
    CleanRoomQuestionSchema,
    `/cleanrooms/${encodeURIComponent(cleanRoomId)}/questions/${encodeURIComponent(questionId)}`,
  );

export const fetchQuestions = () => apiRequest(QuestionPageSchema, '/questions?limit=100');

export const fetchDatasets = (cursor: string | undefined) =>
  apiRequest(DatasetPageSchema, `/datasets${toQueryString({ cursor, limit: LIST_PAGE_SIZE })}`);

/**
 * Reads every page of the caller's organization's datasets, for choices such
 * as the dataset to attach to a clean room.
 */
export async function fetchAllDatasets(): Promise<Dataset[]> {
  const datasets: Dataset[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchDatasets(cursor);
    datasets.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return datasets;
}

const roomDatasetPath = (cleanRoomId: string, datasetId: string) =>
  `/cleanrooms/${encodeURIComponent(cleanRoomId)}/datasets/${encodeURIComponent(datasetId)}`;

/**
 * Attaches one of the caller's datasets to a clean room. Needs the OWNER or
 * ANALYST role in the room (403 FORBIDDEN otherwise), and a room that has not
 * ended (409 CLEAN_ROOM_READ_ONLY).
 */
export const attachDataset = (cleanRoomId: string, datasetId: string) =>
  apiRequest(DatasetSchema, roomDatasetPath(cleanRoomId, datasetId), { method: 'PUT' });

/** Detaches one of the caller's datasets; 422 DATASET_NOT_ATTACHED when it was not attached. */
export const detachDataset = async (cleanRoomId: string, datasetId: string): Promise<void> => {
  await apiFetch(roomDatasetPath(cleanRoomId, datasetId), { method: 'DELETE' });
};

export const fetchRuns = (cursor: string | undefined) =>
  apiRequest(RunPageSchema, `/runs${toQueryString({ cursor, limit: LIST_PAGE_SIZE })}`);

export const fetchRun = (id: string) =>
  apiRequest(QuestionRunSchema, `/runs/${encodeURIComponent(id)}`);

export const fetchRunResults = (id: string, cursor?: string) =>
  apiRequest(
    QuestionRunResultSchema,
    `/runs/${encodeURIComponent(id)}/results${toQueryString({ cursor, limit: 500 })}`,
  );

/** Reads a completed run's released and suppressed row counts, with one result row. */
export const fetchRunFigures = (id: string) =>
  apiRequest(QuestionRunResultSchema, `/runs/${encodeURIComponent(id)}/results?limit=1`);

export const fetchSystemStatus = () => apiRequest(SystemStatusSchema, '/system/status');

/**
 * Checks a run request as a submission would be checked, and estimates its
 * suppressed rows, without starting a run. A bad parameter fails with 422
 * PARAMETER_INVALID, whose details name the parameter.
 */
export const previewRun = (cleanRoomId: string, request: CreateRunRequest) =>
  apiRequest(RunPreviewSchema, `/cleanrooms/${encodeURIComponent(cleanRoomId)}/runs/preview`, {
    method: 'POST',
    body: request,
  });

/** Response of a run submission the service worker queued because the network or server failed. */
export const QueuedRunSchema = z.object({ queued: z.literal(true), reason: z.string() });

export const SubmittedRunSchema = z.union([QuestionRunSchema, QueuedRunSchema]);

export const submitRun = (cleanRoomId: string, request: CreateRunRequest, idempotencyKey: string) =>
  apiRequest(SubmittedRunSchema, `/cleanrooms/${encodeURIComponent(cleanRoomId)}/runs`, {
    method: 'POST',
    body: request,
    headers: { 'idempotency-key': idempotencyKey },
  });
