import { z } from 'zod';
import { DatasetColumnSchema, DatasetDataTypeSchema, ImportReportSchema } from './dataset.ts';

/** A dataset as callers see it. The storage location stays on the server. */
export const DatasetSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  dataType: DatasetDataTypeSchema,
  ownerOrganization: z.object({ id: z.uuid(), name: z.string() }),
  columns: z.array(DatasetColumnSchema),
  rowCount: z.number().int(),
  sizeBytes: z.number().int(),
  createdAt: z.iso.datetime(),
});
export type Dataset = z.infer<typeof DatasetSchema>;

export const DatasetImportResponseSchema = z.object({
  dataset: DatasetSchema,
  report: ImportReportSchema,
});
export type DatasetImportResponse = z.infer<typeof DatasetImportResponseSchema>;

/** Form fields of a dataset import, sent before the file part of the multipart body. */
export const ImportDatasetFieldsSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).default(''),
    dataType: DatasetDataTypeSchema.default('CRM'),
    delimiter: z
      .enum([',', ';', '\t', '|', 'tab'], {
        error: (issue) => `must be ",", ";", "|" or "tab"; received ${JSON.stringify(issue.input)}`,
      })
      .optional(),
    /** `column:TYPE` pairs separated by commas, such as `email:EMAIL,phone:PHONE`. */
    identifierColumns: z.string().max(1000).optional(),
    piiColumns: z.string().max(1000).optional(),
    maxInvalidRows: z.coerce.number().int().min(0).optional(),
  })
  .strict();
export type ImportDatasetFields = z.infer<typeof ImportDatasetFieldsSchema>;
