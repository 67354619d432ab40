import { z } from 'zod';
import { DatasetDataTypeSchema, IdentifierTypeSchema } from '../datasets/dataset.ts';

/**
 * Typed parameter of an approved question. `COLUMN` parameters name a column
 * of the dataset bound to `macro`; their allowed values are that dataset's
 * attribute columns (never identifier or PII columns).
 */
export const QuestionParameterSchema = z.object({
  name: z.string(),
  displayName: z.string(),
  description: z.string(),
  type: z.enum(['STRING', 'INTEGER', 'BOOLEAN', 'DATE', 'ENUM', 'COLUMN', 'STRING_LIST']),
  required: z.boolean(),
  default: z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]).nullable(),
  allowedValues: z.array(z.string()).nullable(),
  minimum: z.number().nullable(),
  maximum: z.number().nullable(),
  macro: z.string().nullable(),
});
export type QuestionParameter = z.infer<typeof QuestionParameterSchema>;

/**
 * A dataset slot of a question (LiveRamp "dataset macro", such as
 * `@exposures`). `requiredColumns` are matched by name after import.
 */
export const DatasetMacroSchema = z.object({
  macro: z.string(),
  description: z.string(),
  dataTypes: z.array(DatasetDataTypeSchema),
  identifierTypes: z.array(IdentifierTypeSchema),
  requiredColumns: z.array(z.object({ name: z.string(), dataType: z.string() })),
  /** Supplier of the dataset: the organization running the question, or another partner. */
  suppliedBy: z.enum(['RUNNER', 'PARTNER', 'ANY']),
});
export type DatasetMacro = z.infer<typeof DatasetMacroSchema>;

export const QuestionOutputColumnSchema = z.object({
  name: z.string(),
  dataType: z.enum(['STRING', 'INTEGER', 'DOUBLE', 'DATE']),
  kind: z.enum(['DIMENSION', 'MEASURE']),
  /** Measure counting distinct identities: the row is suppressed below the crowd size. */
  isIdentity: z.boolean(),
  /** Measure that gets Laplace noise when the clean room enables noise. */
  noise: z.boolean(),
});
export type QuestionOutputColumn = z.infer<typeof QuestionOutputColumnSchema>;

export const QuestionDefinitionSchema = z.object({
  template: z.string(),
  version: z.number().int(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  questionType: z.enum(['ANALYTICAL', 'USER_LIST']),
  datasetMacros: z.array(DatasetMacroSchema),
  parameters: z.array(QuestionParameterSchema),
  outputColumns: z.array(QuestionOutputColumnSchema),
});
export type QuestionDefinition = z.infer<typeof QuestionDefinitionSchema>;
