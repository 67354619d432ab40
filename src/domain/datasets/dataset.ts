import { z } from 'zod';

/** Identifier kinds a dataset column can hold; values are stored hashed or opaque, never raw. */
export const IdentifierTypeSchema = z.enum([
  'EMAIL_SHA256',
  'PHONE_SHA256',
  'RAMPID',
  'MAID',
  'CUSTOMER_ID',
]);
export type IdentifierType = z.infer<typeof IdentifierTypeSchema>;

export const ColumnDataTypeSchema = z.enum([
  'STRING',
  'INTEGER',
  'DOUBLE',
  'BOOLEAN',
  'DATE',
  'TIMESTAMP',
]);
export type ColumnDataType = z.infer<typeof ColumnDataTypeSchema>;

/** Kind of data in a dataset; question macros accept datasets by this type (LiveRamp "dataImportType"). */
export const DatasetDataTypeSchema = z.enum([
  'CRM',
  'AUDIENCE',
  'EXPOSURES',
  'CONVERSIONS',
  'GENERIC',
]);
export type DatasetDataType = z.infer<typeof DatasetDataTypeSchema>;

export const DatasetColumnSchema = z.object({
  name: z.string(),
  dataType: ColumnDataTypeSchema,
  /** Set on identifier columns: usable for matching, never projected in results. */
  identifierType: IdentifierTypeSchema.nullable(),
  /** PII columns are never projected in results and cannot be a dimension. */
  isPii: z.boolean(),
});
export type DatasetColumn = z.infer<typeof DatasetColumnSchema>;

export const ImportLineErrorSchema = z.object({
  /** 1-based physical line in the file where the record starts. */
  line: z.number().int(),
  column: z.string().nullable(),
  code: z.enum([
    'INVALID_EMAIL',
    'INVALID_PHONE',
    'MISSING_IDENTIFIER',
    'MALFORMED_ROW',
    'INVALID_VALUE',
  ]),
  message: z.string(),
});
export type ImportLineError = z.infer<typeof ImportLineErrorSchema>;

/** Why the import changed a column: hashed it, flagged it as PII, or replaced values in it. */
export const ColumnFindingSchema = z.object({
  /** Column name in the uploaded file. */
  column: z.string(),
  storedName: z.string(),
  reason: z.enum([
    'EMAIL_CONTENT',
    'PHONE_CONTENT',
    'SHA256_CONTENT',
    'INVALID_IDENTIFIERS',
    'PERSONAL_DATA_IN_TEXT',
  ]),
  /** Values stored as NULL or with personal data replaced, over every data row read. */
  changedValues: z.number().int(),
});
export type ColumnFinding = z.infer<typeof ColumnFindingSchema>;

export const ImportReportSchema = z.object({
  format: z.enum(['CSV', 'PARQUET']),
  sourceBytes: z.number().int(),
  rowCount: z.number().int(),
  invalidRowCount: z.number().int(),
  /** The first errors, in file order; `invalidRowCount` gives the total. */
  errors: z.array(ImportLineErrorSchema),
  errorsTruncated: z.boolean(),
  detected: z
    .object({
      delimiter: z.string(),
      quote: z.string(),
      hasHeader: z.boolean(),
      lineEnding: z.enum(['LF', 'CRLF', 'CR']),
      bom: z.boolean(),
    })
    .nullable(),
  durationMs: z.number(),
  /** Columns the import hashed, flagged or cleaned because of their content; absent in older reports. */
  columnFindings: z.array(ColumnFindingSchema).optional(),
});
export type ImportReport = z.infer<typeof ImportReportSchema>;
