import { z } from 'zod';
import {
  DatasetMacroSchema,
  QuestionOutputColumnSchema,
  QuestionParameterSchema,
} from './question-definition.ts';

/** An approved question as callers see it. */
export const QuestionSchema = z.object({
  id: z.uuid(),
  displayId: z.string(),
  /** Template key such as audience_overlap; accepted wherever a question id is. */
  template: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  questionType: z.enum(['ANALYTICAL', 'USER_LIST']),
  version: z.number().int(),
  status: z.string(),
  parameters: z.array(QuestionParameterSchema),
  datasetMacros: z.array(DatasetMacroSchema),
  outputColumns: z.array(QuestionOutputColumnSchema),
});
export type Question = z.infer<typeof QuestionSchema>;
