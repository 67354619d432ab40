import { quotedString, type DuckDBConnection } from '@duckdb/node-api';
import { AppError, isAppError } from '../../domain/errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import { findCsvLineErrors } from './csv-line-errors.ts';
import { sniffCsv, type CsvSniffResult } from './csv-sniff.ts';
import type { ImportOptions, ImportResult } from './engine.ts';
import { redactPaths, withoutPaths } from './import-error-paths.ts';
import { planImportColumns, type SourceColumn } from './import-plan.ts';
import { runImport } from './import-pipeline.ts';
import type { ImportRelation } from './import-sql.ts';

/** Temporary tables, private to the import's connection, where DuckDB records the malformed records it skipped. */
const REJECTS_TABLE = 'import_rejects';
const REJECT_SCANS_TABLE = 'import_reject_scans';

/**
 * Imports an uploaded CSV into Parquet. DuckDB streams the file twice (stats,
 * then the write) with memory bounded by the engine's limit. A third pass,
 * in JavaScript, locates rejected rows and runs only when there are some.
 */
export async function importCsv(
  connection: DuckDBConnection,
  options: ImportOptions,
  log: Logger,
): Promise<ImportResult> {
  try {
    return await importCsvFile(connection, options, log);
  } catch (error) {
    throw toCsvImportError(error, options);
  }
}

async function importCsvFile(
  connection: DuckDBConnection,
  options: ImportOptions,
  log: Logger,
): Promise<ImportResult> {
  const startedAt = performance.now();
  const sniff = await sniffCsv(options.sourcePath, options.delimiter);
  const columns = sourceColumns(sniff.header);
  const plan = planImportColumns(columns, sniff.sampleRows, options);

  // DuckDB stores up to one reject per column of a malformed record. Past this
  // limit the import fails anyway, and the rejects table stays small.
  const rejectsLimit = (options.maxInvalidRows + 1) * columns.length;

  const job = {
    format: 'CSV' as const,
    options,
    plan,
    statsRelation: csvRelation(options.sourcePath, sniff, columns, rejectsLimit),
    copyRelation: csvRelation(options.sourcePath, sniff, columns, null),
    detected: sniff.dialect,
    sourceBytes: sniff.sourceBytes,
    startedAt,
    countRejectedRecords: () => countRejectedRecords(connection),
    findLineErrors: (limit: number, expectedCount: number) =>
      findCsvLineErrors({
        sourcePath: options.sourcePath,
        dialect: sniff.dialect,
        plan,
        limit,
        expectedCount,
        signal: options.signal,
      }),
  };

  return runImport(connection, job, log);
}

/** DuckDB reads the columns under position names, so header text never reaches SQL. */
function sourceColumns(header: string[]): SourceColumn[] {
  return header.map((name, index) => ({
    sourceName: name.trim() === '' ? `column_${index + 1}` : name.trim(),
    sql: `c_${index + 1}`,
    knownType: null,
  }));
}

/**
 * Builds the `read_csv` call. With `rejectsLimit` set, DuckDB records the
 * malformed records it skips, up to that many reject rows.
 */
function csvRelation(
  sourcePath: string,
  sniff: CsvSniffResult,
  columns: SourceColumn[],
  rejectsLimit: number | null,
): ImportRelation {
  const { delimiter, quote, hasHeader } = sniff.dialect;
  const columnTypes = columns.map((column) => `${quotedString(column.sql)}: 'VARCHAR'`).join(', ');
  const options = [
    `delim = ${quotedString(delimiter)}`,
    `quote = ${quotedString(quote)}`,
    `escape = ${quotedString(quote)}`,
    `header = ${hasHeader}`,
    `skip = ${sniff.leadingBlankLines}`,
    `columns = {${columnTypes}}`,
    'auto_detect = false',
    'strict_mode = true',
    // Malformed records are skipped and counted from the rejects table, so they become line errors instead of failing the import.
    'ignore_errors = true',
    "encoding = 'utf-8'",
  ];
  if (rejectsLimit !== null) {
    options.push(
      'store_rejects = true',
      `rejects_table = '${REJECTS_TABLE}'`,
      `rejects_scan = '${REJECT_SCANS_TABLE}'`,
      `rejects_limit = ${rejectsLimit}`,
    );
  }

  return {
    fromSql: `read_csv(${quotedString(sourcePath)}, ${options.join(', ')})`,
    // Records whose fields are all empty are blank lines, which DuckDB reads as all-NULL rows in some files.
    rowFilterSql: `coalesce(${columns.map((column) => column.sql).join(', ')}) IS NOT NULL`,
    rowNumberSql: null,
  };
}

/** Counts distinct byte positions, because DuckDB stores one reject per missing column of a record. */
async function countRejectedRecords(connection: DuckDBConnection): Promise<number> {
  const reader = await connection.runAndReadAll(
    `SELECT count(DISTINCT line_byte_position) AS records FROM ${REJECTS_TABLE}`,
  );
  return Number(reader.getRowsJS()[0]?.[0] ?? 0);
}

/**
 * Errors DuckDB's CSV reader raises even with `ignore_errors`, such as mixed
 * line endings, become IMPORT_MALFORMED_CSV. Other errors pass on without
 * the server paths in their message.
 */
function toCsvImportError(error: unknown, options: ImportOptions): unknown {
  if (isAppError(error) || !(error instanceof Error) || error.name === 'AbortError') return error;
  // Tested without paths, because an upload's path may end in ".csv" whatever the error is about.
  const message = redactPaths(error.message, options);
  if (!/CSV|Invalid Input Error/i.test(message)) return withoutPaths(error, options);

  const reason = message.split('\n')[0] ?? message;
  return new AppError(
    'IMPORT_MALFORMED_CSV',
    `The CSV file cannot be parsed (${reason}). Check that it uses one line ending throughout and closes every quoted field, then upload it again.`,
    { cause: error, details: { reason } },
  );
}
