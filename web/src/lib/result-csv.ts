import type { QuestionRunResult } from '../../../src/domain/runs/question-run.ts';

/**
 * Significant digits a CSV number keeps. Any decimal of up to 15 significant
 * digits survives the trip through a double and back (DBL_DIG in C's float.h
 * for IEEE 754 doubles). So 15 keeps every digit the server rounds its rates
 * and indexes to. It drops the noise that binary sums leave in the 16th and
 * 17th digits, as in 0.1 + 0.2 = 0.30000000000000004.
 */
const CSV_SIGNIFICANT_DIGITS = 15;

/**
 * Writes a number for a CSV cell: whole numbers exactly, others rounded to
 * 15 significant digits and then written in the shortest form that reads
 * back as the rounded value ("0.3", not "0.300000000000000").
 */
export function csvNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);

  const rounded = Number(value.toPrecision(CSV_SIGNIFICANT_DIGITS));
  // Rounding up the largest doubles (near 1.8e308) overflows to Infinity.
  return String(Number.isFinite(rounded) ? rounded : value);
}

/** Quotes a CSV field when it contains a delimiter, quote or line break (RFC 4180). */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? csvNumber(value) : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Builds an RFC 4180 CSV of result rows, header first, with CRLF line endings. */
export function resultToCsv(
  columns: QuestionRunResult['columns'],
  rows: QuestionRunResult['rows'],
): string {
  const lines = [columns.map((column) => csvField(column.name)).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
