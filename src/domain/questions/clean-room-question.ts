import { z } from 'zod';
import { DatasetMacroSchema } from './question-definition.ts';
import { QuestionSchema } from './question-view.ts';

/** The attached datasets one macro of a question can take in a clean room. */
export const MacroCandidatesSchema = z.object({
  macro: z.string(),
  description: z.string(),
  suppliedBy: DatasetMacroSchema.shape.suppliedBy,
  candidates: z.array(
    z.object({
      datasetId: z.uuid(),
      name: z.string(),
      ownerOrganization: z.object({ id: z.uuid(), name: z.string() }),
    }),
  ),
  /** The dataset a run binds when the request names none: set only when exactly one fits. */
  defaultDatasetId: z.uuid().nullable(),
});
export type MacroCandidates = z.infer<typeof MacroCandidatesSchema>;

/** A question resolved against the datasets attached to one clean room. */
export const CleanRoomQuestionSchema = z.object({
  /** The question, with the allowed values of COLUMN parameters resolved against the room's datasets. */
  question: QuestionSchema,
  datasetBindings: z.array(MacroCandidatesSchema),
});
export type CleanRoomQuestion = z.infer<typeof CleanRoomQuestionSchema>;
