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

/** What a dataset holds; question macros accept datasets by this type (LiveRamp "dataImportType"). */
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
});
export type ImportReport = z.infer<typeof ImportReportSchema>;
