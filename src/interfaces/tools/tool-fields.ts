import { z } from 'zod';

/** Input fields several tools share, described for a model. */
export const toolFields = {
  cleanRoomId: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe(
      'The clean room: its id (UUID), display id such as CR-000001, or exact name (case ignored), as list_clean_rooms or get_clean_room return them. A name shared by several rooms is rejected with the candidates.',
    ),

  runId: z.string().trim().min(1).max(100).describe('The run id (UUID) that start_run returned.'),

  cursor: z
    .string()
    .max(512)
    .optional()
    .describe('The nextCursor of the previous page, unchanged; omit it for the first page.'),

  /** Page size of a list, 1 to `maximum`, `fallback` when omitted. */
  limit(fallback: number, maximum: number) {
    return z
      .number()
      .int()
      .min(1)
      .max(maximum)
      .optional()
      .describe(`Items per page, 1 to ${maximum}; ${fallback} when omitted.`);
  },
};

/** Read-only tools of the built-in engine: safe to call at any time, any number of times. */
export const READ_ONLY_ANNOTATIONS = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;

/** Fields of a run request, shared by preview_run and start_run so a preview checks exactly what a start would. */
export const runRequestFields = {
  cleanRoomId: toolFields.cleanRoomId,
  questionId: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .describe('Template key (audience_overlap), display id (CRQ-000001) or id of the question.'),
  parameters: z
    .record(z.string(), z.unknown())
    .default({})
    .describe(
      'Question parameters by name, as get_question lists them, for example { "attribute": "age_band" } or { "date_start": "2026-11-01", "date_end": "2026-11-30" }.',
    ),
  datasets: z
    .record(z.string(), z.uuid())
    .optional()
    .describe(
      'Dataset id per macro, such as { "@exposures": "<dataset id>" }. Omit it or a macro to bind the single attached dataset that fits.',
    ),
};
