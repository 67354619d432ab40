import type { QuestionRunResult } from '../../../src/domain/runs/question-run.ts';

/** Quotes a CSV field when it contains a delimiter, quote or line break (RFC 4180). */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
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
