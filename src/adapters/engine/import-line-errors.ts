import type { ImportLineError } from '../../domain/datasets/dataset.ts';
import { MAX_RECORD_BYTES, type CsvRecordProblem } from './csv-record-reader.ts';
import { identifierRules } from './identifier-rules.ts';
import type { PlannedColumn } from './import-plan.ts';

/**
 * Builds the line errors of rejected rows. Messages name the column and the
 * rule, never the rejected value, because a mistyped email is still personal
 * data and reports are shown and logged.
 */
export const importLineErrors = {
  identifier(
    line: number,
    plan: PlannedColumn[],
    sourceName: string,
    code: ImportLineError['code'],
  ): ImportLineError {
    if (code === 'MISSING_IDENTIFIER') return missingIdentifier(line, plan);

    const column = plan.find((planned) => planned.source.sourceName === sourceName);
    const rule = column?.identifier ? identifierRules[column.identifier] : null;
    const message = `Column "${sourceName}" ${rule?.invalidMessage ?? 'contains an invalid identifier'}.`;
    return { line, column: sourceName, code, message };
  },

  problem(line: number, problem: CsvRecordProblem): ImportLineError {
    if (problem === 'INVALID_UTF8') {
      return {
        line,
        column: null,
        code: 'INVALID_VALUE',
        message: 'The row contains bytes that are not valid UTF-8.',
      };
    }
    return { line, column: null, code: 'MALFORMED_ROW', message: PROBLEM_MESSAGES[problem] };
  },

  fieldCount(line: number, found: number, expected: number): ImportLineError {
    const message = `The row has ${found} field${found === 1 ? '' : 's'} but the header has ${expected}; quote values that contain the delimiter.`;
    return { line, column: null, code: 'MALFORMED_ROW', message };
  },
};

const PROBLEM_MESSAGES: Record<Exclude<CsvRecordProblem, 'INVALID_UTF8'>, string> = {
  UNTERMINATED_QUOTE:
    'The row opens a quoted field that is never closed; close the quote, or double a quote that belongs to the value.',
  TEXT_AFTER_QUOTE:
    'Text follows the closing quote of a field; quote the whole field and double any quote inside it.',
  LINE_TOO_LONG: `The row is longer than ${MAX_RECORD_BYTES.toLocaleString('en-US')} bytes; split long values or remove them.`,
};

function missingIdentifier(line: number, plan: PlannedColumn[]): ImportLineError {
  const names = plan
    .filter((column) => column.role === 'KEY_IDENTIFIER')
    .map((column) => column.source.sourceName);
  const listed = names.map((name) => `"${name}"`).join(', ');
  const message =
    names.length === 1
      ? `The row has no identifier: column ${listed} is empty.`
      : `The row has no identifier: columns ${listed} are all empty.`;
  return { line, column: names[0] ?? null, code: 'MISSING_IDENTIFIER', message };
}
