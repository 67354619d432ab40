import type { DatasetColumn, ImportReport } from '../../domain/datasets/dataset.ts';
import type { SuppressionEstimate } from '../../domain/runs/run-preview.ts';

/** Privacy settings in force for one run, copied from the clean room when the run is submitted. */
export interface PrivacySettings {
  /** Minimum distinct identities per output row (k-min, LiveRamp CROWD_SIZE). */
  crowdSize: number;
  noise: { enabled: boolean; /** Laplace scale b: noise has variance 2b². */ scale: number };
  /** Seed for the noise generator; null draws a fresh random seed. Tests pass a fixed one. */
  noiseSeed: number | null;
}

/** A dataset bound to one macro of a question, as the engine reads it. */
export interface BoundDataset {
  macro: string;
  datasetId: string;
  /** Absolute path of the dataset's Parquet file. */
  location: string;
  columns: DatasetColumn[];
}

export interface RunQuestionInput {
  template: string;
  /** Parameters already validated against the question definition, with defaults filled in. */
  parameters: Record<string, unknown>;
  datasets: BoundDataset[];
  privacy: PrivacySettings;
  /** Upper bound on output rows; a result above it fails the run instead of being cut. */
  maxRows: number;
  signal?: AbortSignal;
  onProgress?: (percent: number) => void | Promise<void>;
}

export type ResultValue = string | number | null;

export interface QuestionResult {
  columns: { name: string; dataType: 'STRING' | 'INTEGER' | 'DOUBLE' | 'DATE' }[];
  rows: ResultValue[][];
  /** Output rows removed because they counted fewer distinct identities than the crowd size. */
  suppressedRowCount: number;
  noiseApplied: boolean;
  privacy: PrivacySettings;
}

export interface EstimateSuppressionInput {
  template: string;
  /** Parameters already validated against the question definition, with defaults filled in. */
  parameters: Record<string, unknown>;
  datasets: BoundDataset[];
  crowdSize: number;
  /**
   * Macros bound to datasets of the organization asking. Values of certainly
   * suppressed segments are named only when their dimension comes from one of
   * these, because a value of another party's data could describe fewer
   * people than the crowd size.
   */
  ownMacros: string[];
  signal?: AbortSignal;
}

/** Identifier kind an import normalises a column as; NONE stores the column untouched. */
export type IdentifierHint =
  'EMAIL' | 'PHONE' | 'EMAIL_SHA256' | 'PHONE_SHA256' | 'RAMPID' | 'MAID' | 'CUSTOMER_ID' | 'NONE';

export interface ImportOptions {
  /** Path of the uploaded file on local disk. */
  sourcePath: string;
  /** Path of the Parquet file to write; nothing exists there unless the import succeeds. */
  targetPath: string;
  /** Delimiter the user declared; undefined means detect it. */
  delimiter?: string;
  /**
   * Identifier columns by source column name; NONE stores a column untouched.
   * Columns not named here are still detected by name and content.
   */
  identifierColumns?: Record<string, IdentifierHint>;
  /** Extra columns to flag as PII: they are stored but never projected in results. */
  piiColumns?: string[];
  /** The import fails whole when more rows than this are invalid. */
  maxInvalidRows: number;
  /** How many line errors the report lists; the count covers all of them. */
  maxReportedErrors: number;
  signal?: AbortSignal;
}

export interface ImportResult {
  columns: DatasetColumn[];
  report: ImportReport;
  sizeBytes: number;
}

/**
 * The clean room engine port. Privacy guards live behind it: callers cannot
 * get row-level data, identifier or PII columns, or rows under the crowd size.
 */
export interface CleanRoomEngine {
  importCsv(options: ImportOptions): Promise<ImportResult>;
  importParquet(options: Omit<ImportOptions, 'delimiter'>): Promise<ImportResult>;
  runQuestion(input: RunQuestionInput): Promise<QuestionResult>;
  /** Estimates which output rows the crowd size would suppress, without running the question. */
  estimateSuppression(input: EstimateSuppressionInput): Promise<SuppressionEstimate>;
  close(): Promise<void>;
}
