import { createReadStream } from 'node:fs';
import type { ImportLineError } from '../../domain/datasets/dataset.ts';
import { throwIfAborted } from './abort.ts';
import { CsvRecordReader, type CsvRecord } from './csv-record-reader.ts';
import type { CsvDialect } from './csv-sniff.ts';
import { identifierRules } from './identifier-rules.ts';
import { importLineErrors } from './import-line-errors.ts';
import type { PlannedColumn } from './import-plan.ts';

export interface CsvLineErrorSearch {
  sourcePath: string;
  dialect: CsvDialect;
  plan: PlannedColumn[];
  /** Errors to return at most. */
  limit: number;
  /** Rejected rows DuckDB counted; the search stops once it has found them all. */
  expectedCount: number;
  signal?: AbortSignal;
}

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Streams the CSV a second time to find the physical line of each rejected
 * row, which DuckDB does not report for rows it parsed. It applies the same
 * rules as the import SQL and stops as soon as it has `limit` errors or all
 * `expectedCount` of them, so it reads the whole file only when a rejected
 * row sits near its end.
 */
export async function findCsvLineErrors(search: CsvLineErrorSearch): Promise<ImportLineError[]> {
  const errors: ImportLineError[] = [];
  const needed = Math.min(search.limit, search.expectedCount);
  if (needed <= 0) return errors;

  const reader = new CsvRecordReader(search.dialect);
  const stream = createReadStream(search.sourcePath, { highWaterMark: READ_CHUNK_BYTES });
  const checker = createRecordChecker(search);

  try {
    for await (const chunk of stream) {
      throwIfAborted(search.signal);
      if (collect(reader.push(chunk as Buffer), checker, errors, needed)) return errors;
    }
    collect(reader.end(), checker, errors, needed);
    return errors;
  } finally {
    stream.destroy();
  }
}

/** Adds the errors of `records` and returns true once enough were found. */
function collect(
  records: Iterable<CsvRecord>,
  check: (record: CsvRecord) => ImportLineError | null,
  errors: ImportLineError[],
  needed: number,
): boolean {
  for (const record of records) {
    const error = check(record);
    if (error) errors.push(error);
    if (errors.length >= needed) return true;
  }
  return false;
}

function createRecordChecker(
  search: CsvLineErrorSearch,
): (record: CsvRecord) => ImportLineError | null {
  let headerPending = search.dialect.hasHeader;

  return (record) => {
    // Records whose fields are all empty are blank lines to DuckDB's reader and the import's row filter.
    if (record.fields.every((field) => field === '')) return null;
    if (headerPending) {
      headerPending = false;
      return null;
    }
    return checkRecord(record, search.plan);
  };
}

function checkRecord(record: CsvRecord, plan: PlannedColumn[]): ImportLineError | null {
  if (record.problem) return importLineErrors.problem(record.line, record.problem);

  const fieldCountError = checkFieldCount(record, plan.length);
  if (fieldCountError) return fieldCountError;

  return findIdentifierError(record, plan);
}

/** DuckDB 1.5 rejects short rows but accepts extra fields at the end when all of them are empty. */
function checkFieldCount(record: CsvRecord, expected: number): ImportLineError | null {
  const { fields } = record;
  const extraFieldsEmpty = fields.slice(expected).every((field) => field === '');
  if (fields.length >= expected && extraFieldsEmpty) return null;

  const found = extraFieldsEmpty
    ? fields.length
    : fields.findLastIndex((field) => field !== '') + 1;
  return importLineErrors.fieldCount(record.line, found, expected);
}

/** JavaScript twin of `validRowSql`: the first present but invalid key identifier, or an error when none is present. */
function findIdentifierError(record: CsvRecord, plan: PlannedColumn[]): ImportLineError | null {
  let present = false;

  for (const [index, column] of plan.entries()) {
    if (!column.identifier || column.role !== 'KEY_IDENTIFIER') continue;
    const rule = identifierRules[column.identifier];
    const normalized = rule.normalize(emptyToNull(record.fields[index]));
    if (normalized === null) continue;
    if (!rule.isValid(normalized)) {
      return importLineErrors.identifier(
        record.line,
        plan,
        column.source.sourceName,
        rule.invalidCode,
      );
    }
    present = true;
  }

  return present ? null : importLineErrors.identifier(record.line, plan, '', 'MISSING_IDENTIFIER');
}

function emptyToNull(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}
