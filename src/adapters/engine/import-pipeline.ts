import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type {
  ColumnDataType,
  ImportLineError,
  ImportReport,
} from '../../domain/datasets/dataset.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import { throwIfAborted } from './abort.ts';
import type { TypedColumnType } from './column-typing.ts';
import type { ImportOptions, ImportResult } from './engine.ts';
import { listColumnFindings, logColumnFindings, recognizeContentKinds } from './column-findings.ts';
import { applyContentKinds, describeStoredColumns, type PlannedColumn } from './import-plan.ts';
import { copyToParquetSql, importStatsSql, statsAlias, type ImportRelation } from './import-sql.ts';
import { writeFileAtomically } from './write-file-atomically.ts';

/** Everything an import needs once the source format is known. */
export interface ImportJob {
  format: ImportReport['format'];
  options: ImportOptions;
  plan: PlannedColumn[];
  /** Relation for the stats pass, which may record rejected records on the side. */
  statsRelation: ImportRelation;
  copyRelation: ImportRelation;
  detected: ImportReport['detected'];
  sourceBytes: number;
  startedAt: number;
  /** Counts the records the reader skipped as malformed, after the stats pass; exact up to `maxInvalidRows + 1`. */
  countRejectedRecords(): Promise<number>;
  /** Finds the first `limit` rejected rows, in file order, of `expectedCount` in all. */
  findLineErrors(limit: number, expectedCount: number): Promise<ImportLineError[]>;
}

interface ImportStats {
  totalRows: number;
  invalidRows: number;
  values: Record<string, unknown>;
}

/**
 * Imports a source in two DuckDB passes: one that counts rows, rejected rows,
 * which types fit and what the text columns contain, then one that writes
 * the valid rows to Parquet. The file appears at `targetPath` only when
 * everything succeeded.
 */
export async function runImport(
  connection: DuckDBConnection,
  job: ImportJob,
  log: Logger,
): Promise<ImportResult> {
  const stats = await readImportStats(connection, job);
  const rejectedRecords = await job.countRejectedRecords();
  const invalidRowCount = stats.invalidRows + rejectedRecords;
  await checkRowCounts(job, stats, invalidRowCount);

  const plan = applyContentKinds(job.plan, recognizeContentKinds(job.plan, stats.values));
  const types = chooseTypes(plan, stats.values);
  const columns = describeStoredColumns(plan, types);
  let rowCount = 0;
  let errors: ImportLineError[] = [];

  await writeFileAtomically(job.options.targetPath, async (temporaryPath) => {
    const result = await connection.run(
      copyToParquetSql(plan, job.copyRelation, types, temporaryPath),
    );
    rowCount = result.rowsChanged;
    throwIfAborted(job.options.signal);
    errors = await job.findLineErrors(job.options.maxReportedErrors, invalidRowCount);
  });
  warnOnMissingLineErrors(log, job, errors.length, invalidRowCount);
  const columnFindings = listColumnFindings(plan, stats.values, textColumns(types));
  logColumnFindings(log, job.format, columnFindings);

  const { size: sizeBytes } = await stat(job.options.targetPath);
  const report = { ...buildReport(job, { rowCount, invalidRowCount, errors }), columnFindings };
  log.info(
    { format: job.format, rowCount, invalidRowCount, durationMs: report.durationMs, sizeBytes },
    'dataset imported',
  );
  return { columns, report, sizeBytes };
}

async function readImportStats(connection: DuckDBConnection, job: ImportJob): Promise<ImportStats> {
  const reader = await connection.runAndReadAll(importStatsSql(job.plan, job.statsRelation));
  throwIfAborted(job.options.signal);

  const row = reader.getRowObjectsJS()[0] ?? {};
  const values = Object.fromEntries(
    Object.entries(row).map(([name, value]) => [
      name,
      typeof value === 'bigint' ? Number(value) : value,
    ]),
  );
  return {
    totalRows: Number(values.total_rows ?? 0),
    invalidRows: Number(values.invalid_rows ?? 0),
    values,
  };
}

async function checkRowCounts(
  job: ImportJob,
  stats: ImportStats,
  invalidRowCount: number,
): Promise<void> {
  const { maxInvalidRows, maxReportedErrors } = job.options;

  if (invalidRowCount > maxInvalidRows) {
    const errors = await job.findLineErrors(maxReportedErrors, invalidRowCount);
    throw new AppError(
      'IMPORT_TOO_MANY_INVALID_ROWS',
      `At least ${invalidRowCount} rows are invalid, more than the ${maxInvalidRows} allowed; nothing was imported. Fix the rows listed in the error details and upload the file again.`,
      { details: { invalidRowCount, maxInvalidRows, errors } },
    );
  }

  if (stats.totalRows - stats.invalidRows <= 0) {
    const errors = await job.findLineErrors(maxReportedErrors, invalidRowCount);
    throw new AppError(
      'IMPORT_NO_VALID_ROWS',
      `The file has no valid rows (${invalidRowCount} invalid); nothing was imported. Every row needs a valid identifier.`,
      { details: { invalidRowCount, errors } },
    );
  }
}

/**
 * Picks for each text column other than identifiers the narrowest candidate
 * type that fit every value. A column with no value or no fitting type
 * stays text.
 */
function chooseTypes(
  plan: PlannedColumn[],
  values: Record<string, unknown>,
): Map<string, ColumnDataType> {
  const types = new Map<string, ColumnDataType>();
  for (const column of plan) {
    if (column.source.knownType !== null || column.identifier || column.content) continue;
    const hasValues = Number(values[statsAlias.present(column)] ?? 0) > 0;
    const fitting = column.candidates.find(
      (type: TypedColumnType) => values[statsAlias.fits(column, type)] === true,
    );
    types.set(column.alias, hasValues && fitting ? fitting : 'STRING');
  }
  return types;
}

function textColumns(types: Map<string, ColumnDataType>): Set<string> {
  return new Set([...types].filter(([, type]) => type === 'STRING').map(([alias]) => alias));
}

/**
 * Logs when the line-error search read the whole file but found fewer rejected
 * rows than DuckDB counted, which means the two CSV readers disagree on a row.
 */
function warnOnMissingLineErrors(
  log: Logger,
  job: ImportJob,
  found: number,
  invalidRowCount: number,
): void {
  const expected = Math.min(job.options.maxReportedErrors, invalidRowCount);
  if (found >= expected) return;
  log.warn(
    { format: job.format, found, invalidRowCount },
    'line errors missing from import report',
  );
}

function buildReport(
  job: ImportJob,
  counts: { rowCount: number; invalidRowCount: number; errors: ImportLineError[] },
): ImportReport {
  return {
    format: job.format,
    sourceBytes: job.sourceBytes,
    rowCount: counts.rowCount,
    invalidRowCount: counts.invalidRowCount,
    errors: counts.errors,
    errorsTruncated: counts.errors.length < counts.invalidRowCount,
    detected: job.detected,
    durationMs: Math.round(performance.now() - job.startedAt),
  };
}
