import { z } from 'zod';
import { UnmatchedValuesSchema } from './unmatched-values.ts';

export const RunStatusSchema = z.enum(['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

export const RunPrivacySchema = z.object({
  crowdSize: z.number().int(),
  noise: z.object({ enabled: z.boolean(), scale: z.number() }),
});

/** A dataset bound to a macro of a run. Its name and owner are null once the dataset is deleted. */
export const BoundDatasetViewSchema = z.object({
  macro: z.string(),
  datasetId: z.uuid(),
  name: z.string().nullable(),
  ownerOrganization: z.object({ id: z.uuid(), name: z.string() }).nullable(),
});
export type BoundDatasetView = z.infer<typeof BoundDatasetViewSchema>;

export const QuestionRunSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  cleanRoomId: z.uuid(),
  // The defaults of the fields below read a run that a browser cached before
  // they existed, so pages the service worker saved stay readable offline.
  cleanRoom: z
    .object({ id: z.uuid(), displayId: z.string(), name: z.string() })
    .nullable()
    .default(null),
  questionId: z.uuid(),
  questionDisplayId: z.string(),
  questionName: z.string().nullable().default(null),
  status: RunStatusSchema,
  /** Percent done, 0 to 100. */
  progress: z.number().int().min(0).max(100),
  parameters: z.record(z.string(), z.unknown()),
  /** Label of each parameter as the run form shows it, such as Campaigns for campaign_ids. */
  parameterLabels: z.record(z.string(), z.string()).default({}),
  /** Dataset id bound to each macro of the question. */
  datasets: z.record(z.string(), z.uuid()),
  /** The bound datasets with their names and owners, ordered by macro. */
  boundDatasets: z.array(BoundDatasetViewSchema).default([]),
  privacy: RunPrivacySchema,
  submittedBy: z.object({ organizationId: z.uuid(), userId: z.uuid().nullable() }),
  submittedAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  completedAt: z.iso.datetime().nullable(),
  failureReason: z.string().nullable(),
  isRetryable: z.boolean(),
  attempt: z.number().int(),
});
export type QuestionRun = z.infer<typeof QuestionRunSchema>;

export const CreateRunRequestSchema = z
  .object({
    questionId: z.string().min(1).max(100),
    name: z.string().trim().min(1).max(200).optional(),
    parameters: z.record(z.string(), z.unknown()).default({}),
    /** Dataset id per macro; a macro left out takes the single attached dataset that fits it. */
    datasets: z.record(z.string(), z.uuid()).optional(),
    /** Same key again returns the run created first instead of starting a second one. */
    idempotencyKey: z.string().min(1).max(200).optional(),
  })
  .strict();
export type CreateRunRequest = z.infer<typeof CreateRunRequestSchema>;

export const ListRunsQuerySchema = z.object({
  status: RunStatusSchema.optional(),
  cleanRoomId: z.string().optional(),
});

export const ResultColumnSchema = z.object({
  name: z.string(),
  dataType: z.enum(['STRING', 'INTEGER', 'DOUBLE', 'DATE']),
});

export const QuestionRunResultSchema = z.object({
  runId: z.uuid(),
  columns: z.array(ResultColumnSchema),
  rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))),
  /** Rows in the whole result, across pages. */
  rowCount: z.number().int(),
  /** Output rows withheld because they counted fewer identities than the crowd size. */
  suppressedRowCount: z.number().int(),
  noiseApplied: z.boolean(),
  privacy: RunPrivacySchema,
  /**
   * Requested list values the result shows nothing for, or null when none
   * was requested or all matched, and for a result stored or cached before
   * values were checked.
   */
  unmatchedValues: UnmatchedValuesSchema.nullable().default(null),
  offset: z.number().int(),
  nextCursor: z.string().nullable(),
});
export type QuestionRunResult = z.infer<typeof QuestionRunResultSchema>;
