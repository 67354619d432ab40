import { open } from 'node:fs/promises';
import { quotedIdentifier, quotedString, type DuckDBConnection } from '@duckdb/node-api';
import type { ColumnDataType, ImportLineError } from '../../domain/datasets/dataset.ts';
import { AppError, isAppError } from '../../domain/errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { ImportOptions, ImportResult } from './engine.ts';
import { redactPaths, withoutPaths } from './import-error-paths.ts';
import { importLineErrors } from './import-line-errors.ts';
import { planImportColumns, type PlannedColumn, type SourceColumn } from './import-plan.ts';
import { runImport } from './import-pipeline.ts';
import { rejectedRowsSql, type ImportRelation } from './import-sql.ts';

type ParquetImportOptions = Omit<ImportOptions, 'delimiter'>;

/** Rows read to recognise identifier columns and candidate types. */
const SAMPLE_ROWS = 1000;
const PARQUET_MAGIC = Buffer.from('PAR1');

/** DuckDB types by prefix, in test order, and the stored type with the SQL that converts to it. */
const TYPE_MAPPINGS: { prefix: RegExp; type: ColumnDataType; cast: string }[] = [
  {
    prefix: /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER)$/,
    type: 'INTEGER',
    cast: 'BIGINT',
  },
  { prefix: /^(FLOAT|DOUBLE|DECIMAL|UBIGINT|HUGEINT|UHUGEINT)/, type: 'DOUBLE', cast: 'DOUBLE' },
  { prefix: /^BOOLEAN$/, type: 'BOOLEAN', cast: 'BOOLEAN' },
  { prefix: /^DATE$/, type: 'DATE', cast: 'DATE' },
  { prefix: /^TIMESTAMP/, type: 'TIMESTAMP', cast: 'TIMESTAMP' },
  { prefix: /^(TIME|INTERVAL|UUID)/, type: 'STRING', cast: 'VARCHAR' },
];

/** Imports a Parquet file: the same identifier hashing, typing and atomic write as CSV, with row numbers for line errors. */
export async function importParquet(
  connection: DuckDBConnection,
  options: ParquetImportOptions,
  log: Logger,
): Promise<ImportResult> {
  try {
    return await importParquetFile(connection, options, log);
  } catch (error) {
    throw toParquetImportError(error, options);
  }
}

async function importParquetFile(
  connection: DuckDBConnection,
  options: ParquetImportOptions,
  log: Logger,
): Promise<ImportResult> {
  const startedAt = performance.now();
  const sourceBytes = await checkParquetFile(options.sourcePath);
  const fromSql = `read_parquet(${quotedString(options.sourcePath)}, file_row_number = true)`;
  const columns = await describeColumns(connection, fromSql);
  const sampleRows = await readSample(connection, fromSql, columns);
  const plan = planImportColumns(columns, sampleRows, options);
  const relation: ImportRelation = {
    fromSql,
    rowFilterSql: null,
    rowNumberSql: 'file_row_number',
  };

  return runImport(
    connection,
    {
      format: 'PARQUET',
      options,
      plan,
      statsRelation: relation,
      copyRelation: relation,
      detected: null,
      sourceBytes,
      startedAt,
      countRejectedRecords: async () => 0,
      findLineErrors: (limit) => findRejectedRows(connection, plan, relation, limit),
    },
    log,
  );
}

/** Checks the "PAR1" magic number at both ends, which every Parquet file has, and returns the file size. */
async function checkParquetFile(sourcePath: string): Promise<number> {
  const handle = await open(sourcePath, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) {
      throw new AppError(
        'IMPORT_EMPTY_FILE',
        'The file is empty. Upload a Parquet file with at least one row.',
      );
    }
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    await handle.read(tail, 0, 4, Math.max(0, size - 4));
    if (size < 12 || !head.equals(PARQUET_MAGIC) || !tail.equals(PARQUET_MAGIC))
      throw notParquetError('the Parquet magic number "PAR1" is missing', null);
    return size;
  } finally {
    await handle.close();
  }
}

/** `reason` must carry no server path: it is part of the message and the details. */
function notParquetError(reason: string, cause: unknown): AppError {
  return new AppError(
    'IMPORT_PARQUET_INVALID',
    `The file is not a readable Parquet file (${reason}). Export it again as Parquet, or import it as CSV.`,
    {
      cause,
      details: { reason },
    },
  );
}

async function describeColumns(
  connection: DuckDBConnection,
  fromSql: string,
): Promise<SourceColumn[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${fromSql}`);
  const rows = reader.getRowObjectsJS() as { column_name: string; column_type: string }[];
  return rows
    .filter((row) => row.column_name !== 'file_row_number')
    .map((row) => sourceColumn(row.column_name, row.column_type));
}

function sourceColumn(name: string, duckType: string): SourceColumn {
  const reference = quotedIdentifier(name);
  if (duckType === 'VARCHAR') return { sourceName: name, sql: reference, knownType: null };

  const mapping = TYPE_MAPPINGS.find((candidate) => candidate.prefix.test(duckType));
  if (!mapping) {
    throw new AppError(
      'IMPORT_PARQUET_INVALID',
      `Column "${name}" has the type ${duckType}, which a dataset cannot store. Flatten nested or binary columns into text or numbers and export the file again.`,
      { details: { column: name, type: duckType } },
    );
  }
  return {
    sourceName: name,
    sql: `CAST(${reference} AS ${mapping.cast})`,
    knownType: mapping.type,
  };
}

async function readSample(
  connection: DuckDBConnection,
  fromSql: string,
  columns: SourceColumn[],
): Promise<(string | null)[][]> {
  const select = columns.map((column) => `CAST(${column.sql} AS VARCHAR)`).join(', ');
  const reader = await connection.runAndReadAll(
    `SELECT ${select} FROM ${fromSql} LIMIT ${SAMPLE_ROWS}`,
  );
  return reader
    .getRowsJS()
    .map((row) => row.map((value) => (value === null ? null : String(value))));
}

async function findRejectedRows(
  connection: DuckDBConnection,
  plan: PlannedColumn[],
  relation: ImportRelation,
  limit: number,
): Promise<ImportLineError[]> {
  if (limit <= 0) return [];
  const reader = await connection.runAndReadAll(rejectedRowsSql(plan, relation, limit));
  const rows = reader.getRowObjectsJS() as {
    line: bigint;
    column_name: string;
    code: ImportLineError['code'];
  }[];
  return rows.map((row) =>
    importLineErrors.identifier(Number(row.line), plan, row.column_name, row.code),
  );
}

/**
 * DuckDB errors about the file's content mean a damaged or unsupported
 * file. Others, such as a full disk, pass on without the server paths in
 * their message.
 */
function toParquetImportError(error: unknown, options: ParquetImportOptions): unknown {
  if (isAppError(error) || !(error instanceof Error) || error.name === 'AbortError') return error;
  // Tested without paths, which end in ".parquet" whatever the error is about.
  const message = redactPaths(error.message, options);
  if (!/parquet|magic|thrift|Invalid Input Error|Conversion Error/i.test(message))
    return withoutPaths(error, options);

  return notParquetError(message.split('\n')[0] ?? '', error);
}
