import { open } from 'node:fs/promises';
import { AppError } from '../../domain/errors/app-error.ts';
import type { ImportReport } from '../../domain/datasets/dataset.ts';
import { CsvRecordReader, type CsvRecord } from './csv-record-reader.ts';

export type CsvDialect = NonNullable<ImportReport['detected']>;

export interface CsvSniffResult {
  dialect: CsvDialect;
  /** Column names from the header, or `column_1` … when the file has no header. */
  header: string[];
  /** Data records from the start of the file, blank lines left out. */
  sampleRows: string[][];
  /** Blank lines before the first record, which DuckDB must skip to find the header. */
  leadingBlankLines: number;
  sourceBytes: number;
}

/** Bytes read from the start of the file to detect its dialect and sample its values. */
const SAMPLE_BYTES = 256 * 1024;
/** Records compared when scoring a delimiter candidate. */
const SAMPLE_RECORDS = 200;
const DELIMITER_CANDIDATES = [',', ';', '\t', '|'];

const DATA_LIKE_VALUE = [
  /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/,
  /^\d{4}-\d{2}-\d{2}/,
  /^[^@\s]+@[^@\s]+$/,
  /^[0-9a-fA-F]{64}$/,
  /^(true|false)$/i,
];

/**
 * Reads the start of an uploaded CSV and detects its dialect: delimiter,
 * quote, header, line ending and BOM. Raises IMPORT_EMPTY_FILE,
 * IMPORT_NOT_TEXT or IMPORT_WRONG_DELIMITER before anything is imported.
 */
export async function sniffCsv(
  sourcePath: string,
  declaredDelimiter?: string,
): Promise<CsvSniffResult> {
  const { sample, sourceBytes } = await readSample(sourcePath);
  const wholeFile = sample.length === sourceBytes;

  if (sourceBytes === 0) throw emptyFileError();
  checkText(sample, wholeFile);

  const bom = sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf;
  const text = sample.toString('utf8', bom ? 3 : 0);
  const quote = detectQuote(text);
  const detected = detectDelimiter(sample, quote, wholeFile);
  const delimiter = declaredDelimiter ?? detected.delimiter;
  if (declaredDelimiter !== undefined) {
    checkDeclaredDelimiter(sample, quote, wholeFile, declaredDelimiter, detected);
  }

  const records = readRecords(sample, { delimiter, quote }, wholeFile).filter(
    (record) => !isBlank(record),
  );
  const first = records[0];
  if (!first) throw emptyFileError();

  const hasHeader = looksLikeHeader(first.fields);
  const header = hasHeader ? first.fields : first.fields.map((_, index) => `column_${index + 1}`);
  const sampleRows = (hasHeader ? records.slice(1) : records).map((record) => record.fields);
  const dialect = { delimiter, quote, hasHeader, lineEnding: detectLineEnding(text, quote), bom };

  return { dialect, header, sampleRows, leadingBlankLines: first.line - 1, sourceBytes };
}

async function readSample(sourcePath: string): Promise<{ sample: Buffer; sourceBytes: number }> {
  const handle = await open(sourcePath, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.min(size, SAMPLE_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return { sample: buffer.subarray(0, bytesRead), sourceBytes: size };
  } finally {
    await handle.close();
  }
}

function emptyFileError(): AppError {
  return new AppError(
    'IMPORT_EMPTY_FILE',
    'The file is empty: it contains no CSV records. Upload a file with a header line and data rows.',
  );
}

/** Rejects binary files, which NUL bytes give away, and text that is not UTF-8. */
function checkText(sample: Buffer, wholeFile: boolean): void {
  const nulOffset = sample.indexOf(0);
  if (nulOffset !== -1) {
    throw new AppError(
      'IMPORT_NOT_TEXT',
      `The file is not a text CSV: it contains a NUL byte at offset ${nulOffset}. Upload a UTF-8 CSV file, or import Parquet files as Parquet.`,
      { details: { offset: nulOffset } },
    );
  }

  try {
    // Streaming mode tolerates a multi-byte character cut at the end of a partial sample.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !wholeFile });
  } catch {
    throw new AppError(
      'IMPORT_NOT_TEXT',
      'The file is not valid UTF-8 text. Save it as a UTF-8 CSV (for example "CSV UTF-8" in Excel) and upload it again.',
    );
  }
}

function readRecords(
  sample: Buffer,
  dialect: { delimiter: string; quote: string },
  wholeFile: boolean,
): CsvRecord[] {
  const reader = new CsvRecordReader(dialect);
  const records = [...reader.push(sample)];
  // A partial sample ends inside a record, which `end()` would report as a short one.
  if (wholeFile) records.push(...reader.end());
  return records.slice(0, SAMPLE_RECORDS + 1);
}

function isBlank(record: CsvRecord): boolean {
  return record.fields.every((field) => field === '');
}

interface DelimiterScore {
  delimiter: string;
  /** Fields in the first record. */
  fieldCount: number;
  /** Share of the sampled records with as many fields as the first one. */
  consistency: number;
}

function scoreDelimiter(
  sample: Buffer,
  quote: string,
  wholeFile: boolean,
  delimiter: string,
): DelimiterScore {
  const records = readRecords(sample, { delimiter, quote }, wholeFile).filter(
    (record) => !isBlank(record),
  );
  const fieldCount = records[0]?.fields.length ?? 0;
  const matching = records.filter((record) => record.fields.length === fieldCount).length;
  return {
    delimiter,
    fieldCount,
    consistency: records.length === 0 ? 0 : matching / records.length,
  };
}

/** Picks the candidate that splits the records into the most consistent number of fields, more than one. */
function detectDelimiter(sample: Buffer, quote: string, wholeFile: boolean): DelimiterScore {
  const scores = DELIMITER_CANDIDATES.map((delimiter) =>
    scoreDelimiter(sample, quote, wholeFile, delimiter),
  );
  const splitting = scores.filter((score) => score.fieldCount > 1);
  splitting.sort((a, b) => b.consistency - a.consistency || b.fieldCount - a.fieldCount);
  return splitting[0] ?? { delimiter: ',', fieldCount: 1, consistency: 1 };
}

function checkDeclaredDelimiter(
  sample: Buffer,
  quote: string,
  wholeFile: boolean,
  declared: string,
  detected: DelimiterScore,
): void {
  if (declared.length !== 1 || declared === quote || declared === '\n' || declared === '\r') {
    throw new AppError(
      'IMPORT_WRONG_DELIMITER',
      `The delimiter must be one character other than the quote and line breaks; received ${JSON.stringify(declared)}.`,
      { details: { declared } },
    );
  }
  if (declared === detected.delimiter) return;

  const score = scoreDelimiter(sample, quote, wholeFile, declared);
  const splitsNothing = score.fieldCount <= 1 && detected.fieldCount > 1;
  const splitsBadly = score.consistency < 0.5 && detected.consistency >= 0.9;
  if (!splitsNothing && !splitsBadly) return;

  throw new AppError(
    'IMPORT_WRONG_DELIMITER',
    `The file does not use the declared delimiter ${describeDelimiter(declared)}: it appears to use ${describeDelimiter(detected.delimiter)}. Import it again with that delimiter, or leave the delimiter empty to detect it.`,
    { details: { declared, detected: detected.delimiter } },
  );
}

export function describeDelimiter(delimiter: string): string {
  if (delimiter === '\t') return 'tab';
  return `"${delimiter}"`;
}

/** Prefers `"`; picks `'` only when values are wrapped in single quotes and never in double quotes. */
function detectQuote(text: string): string {
  const wrapped = (quote: string) =>
    new RegExp(`(^|[,;\\t|])${quote}[^${quote}\\r\\n]*${quote}([,;\\t|]|\\r|\\n|$)`, 'm').test(
      text,
    );
  if (!wrapped('"') && wrapped("'")) return "'";
  return '"';
}

/** Returns the first line break outside quotes; a file of one line counts as LF. */
function detectLineEnding(text: string, quote: string): CsvDialect['lineEnding'] {
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === quote) quoted = !quoted;
    if (quoted) continue;
    if (char === '\n') return 'LF';
    if (char === '\r') return text[index + 1] === '\n' ? 'CRLF' : 'CR';
  }
  return 'LF';
}

/**
 * Tells whether the first record is a header: no field looks like data (a
 * number, date, email, hash or boolean). Empty and repeated names are
 * allowed, because spreadsheet exports contain them; the import generates
 * or numbers those names.
 */
function looksLikeHeader(fields: string[]): boolean {
  const names = fields.map((field) => field.trim()).filter((name) => name !== '');
  if (names.length === 0) return false;
  return !names.some((name) => DATA_LIKE_VALUE.some((pattern) => pattern.test(name)));
}
