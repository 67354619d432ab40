import type { DatasetColumn } from '../datasets/dataset.ts';
import { AppError } from '../errors/app-error.ts';
import { MAX_LIST_VALUES } from './catalog.ts';
import type { QuestionDefinition, QuestionParameter } from './question-definition.ts';

/** Maximum length of a STRING parameter or list value, in characters. */
const MAX_STRING_LENGTH = 500;
/**
 * Deepest nesting of a received value that an error echoes back. Parameters
 * are scalars or lists of texts, and a deeper value (an attacker's 400,000
 * levels) would overflow the stack in JSON.stringify.
 */
const MAX_ECHOED_DEPTH = 8;
/**
 * Separators people paste between list values instead of a comma (from
 * spreadsheets, other tools or habit). A value containing one is taken as
 * several values typed into one, which would otherwise match nothing.
 * NOTE: so a data value that itself contains one (an attribute value such as
 * "news|sports") cannot be requested. It can once a list accepts quoted values.
 */
const OTHER_SEPARATOR = /[;|\t\r\n]/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const INTEGER_TEXT = /^\s*[-+]?\d+\s*$/;

/**
 * Validates a run's parameters against the question definition and returns
 * every parameter with defaults filled in; an absent optional parameter
 * without a default is null. A number or boolean sent as text ("30",
 * "true") is converted. Raises PARAMETER_INVALID naming the parameter, the
 * expected type and the allowed values, for unknown names too.
 */
export function validateParameters(
  definition: QuestionDefinition,
  raw: Record<string, unknown> = {},
  datasetsByMacro: Map<string, DatasetColumn[]>,
): Record<string, unknown> {
  rejectUnknownParameters(definition, raw);

  const validated: Record<string, unknown> = {};
  for (const parameter of definition.parameters) {
    validated[parameter.name] = validateParameter(parameter, raw[parameter.name], datasetsByMacro);
  }

  checkDateOrder(validated);
  return validated;
}

function rejectUnknownParameters(
  definition: QuestionDefinition,
  raw: Record<string, unknown>,
): void {
  const known = definition.parameters.map((parameter) => parameter.name);
  const unknown = Object.keys(raw).find((name) => !known.includes(name));
  if (unknown === undefined) return;

  const knownList = known.length === 0 ? 'none' : known.join(', ');
  throw new AppError(
    'PARAMETER_INVALID',
    `Unknown parameter "${unknown}"; question ${definition.template} takes ${knownList}.`,
    {
      details: {
        parameter: unknown,
        expected: 'a known parameter name',
        received: unknown,
        allowedValues: known,
      },
    },
  );
}

function validateParameter(
  parameter: QuestionParameter,
  value: unknown,
  datasetsByMacro: Map<string, DatasetColumn[]>,
): unknown {
  if (value === undefined || value === null) return absentValue(parameter, datasetsByMacro);

  switch (parameter.type) {
    case 'STRING':
      return validateString(parameter, value);
    case 'INTEGER':
      return validateInteger(parameter, value);
    case 'BOOLEAN':
      return validateBoolean(parameter, value);
    case 'DATE':
      return validateDate(parameter, value);
    case 'ENUM':
      return validateChoice(parameter, value, parameter.allowedValues ?? []);
    case 'COLUMN':
      return validateChoice(parameter, value, attributeColumns(parameter, datasetsByMacro));
    case 'STRING_LIST':
      return validateStringList(parameter, value);
  }
}

function absentValue(
  parameter: QuestionParameter,
  datasetsByMacro: Map<string, DatasetColumn[]>,
): unknown {
  if (parameter.default !== null) return parameter.default;
  if (!parameter.required) return null;
  const allowed =
    parameter.type === 'COLUMN'
      ? attributeColumns(parameter, datasetsByMacro)
      : (parameter.allowedValues ?? []);
  const expected = expectedText(parameter, allowed);
  throw new AppError(
    'PARAMETER_INVALID',
    `Parameter "${parameter.name}" is required; expected ${expected}.`,
    {
      details: {
        parameter: parameter.name,
        expected,
        received: null,
        allowedValues: parameter.type === 'COLUMN' ? allowed : parameter.allowedValues,
      },
    },
  );
}

function validateString(parameter: QuestionParameter, value: unknown): string {
  if (typeof value === 'string' && value.includes('\0')) throw containsNul(parameter, value);
  const valid =
    typeof value === 'string' && value.trim() !== '' && value.length <= MAX_STRING_LENGTH;
  if (!valid)
    throw invalid(
      parameter,
      `a non-empty text of at most ${MAX_STRING_LENGTH} characters`,
      value,
      null,
    );
  return value;
}

function validateInteger(parameter: QuestionParameter, value: unknown): number {
  const number = typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value;
  const inRange =
    typeof number === 'number' &&
    Number.isSafeInteger(number) &&
    (parameter.minimum === null || number >= parameter.minimum) &&
    (parameter.maximum === null || number <= parameter.maximum);
  if (!inRange) throw invalid(parameter, expectedText(parameter, []), value, null);
  return number;
}

function validateBoolean(parameter: QuestionParameter, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : null;
  if (text === 'true' || text === 'false') return text === 'true';
  throw invalid(parameter, 'true or false', value, ['true', 'false']);
}

function validateDate(parameter: QuestionParameter, value: unknown): string {
  const match = typeof value === 'string' ? DATE_PATTERN.exec(value) : null;
  if (!match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    throw invalid(parameter, 'a date as YYYY-MM-DD', value, null);
  }
  return value as string;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

function validateChoice(parameter: QuestionParameter, value: unknown, allowed: string[]): string {
  if (typeof value === 'string' && allowed.includes(value)) return value;
  throw invalid(parameter, expectedText(parameter, allowed), value, allowed);
}

/** Columns a COLUMN parameter may name: the bound dataset's attributes, never identifier or PII columns. */
function attributeColumns(
  parameter: QuestionParameter,
  datasetsByMacro: Map<string, DatasetColumn[]>,
): string[] {
  const columns = parameter.macro ? datasetsByMacro.get(parameter.macro) : undefined;
  if (!columns) {
    throw new AppError(
      'PARAMETER_INVALID',
      `Parameter "${parameter.name}" names a column of ${parameter.macro ?? 'a dataset'}, but no dataset is bound to it; bind a dataset first.`,
      {
        details: {
          parameter: parameter.name,
          expected: `a column of ${parameter.macro}`,
          received: null,
          allowedValues: [],
        },
      },
    );
  }
  return attributeColumnNames(columns);
}

/** Names of the columns a COLUMN parameter may take: never identifier or PII columns. */
export function attributeColumnNames(columns: DatasetColumn[]): string[] {
  return columns
    .filter((column) => column.identifierType === null && !column.isPii)
    .map((column) => column.name);
}

function validateStringList(parameter: QuestionParameter, value: unknown): string[] | null {
  const expected = `a list of at most ${MAX_LIST_VALUES} non-empty texts`;
  if (!Array.isArray(value) || value.length > MAX_LIST_VALUES)
    throw invalid(parameter, expected, value, null);

  const valid = value.every(
    (item) => typeof item === 'string' && item.trim() !== '' && item.length <= MAX_STRING_LENGTH,
  );
  if (!valid) throw invalid(parameter, expected, value, null);
  const withNul = (value as string[]).find((item) => item.includes('\0'));
  if (withNul !== undefined) throw containsNul(parameter, withNul);
  const withSeparator = (value as string[]).find((item) => OTHER_SEPARATOR.test(item));
  if (withSeparator !== undefined) throw containsOtherSeparator(parameter, withSeparator);
  // An empty list means no filter, like an absent parameter.
  return value.length === 0 ? null : [...new Set(value as string[])];
}

function checkDateOrder(validated: Record<string, unknown>): void {
  const { date_start: start, date_end: end } = validated;
  if (typeof start !== 'string' || typeof end !== 'string' || start <= end) return;

  throw new AppError(
    'PARAMETER_INVALID',
    `Parameter "date_start" (${start}) must be on or before "date_end" (${end}); swap them or widen the range.`,
    {
      details: {
        parameter: 'date_start',
        expected: `a date on or before ${end}`,
        received: start,
        allowedValues: null,
      },
    },
  );
}

function expectedText(parameter: QuestionParameter, allowed: string[]): string {
  switch (parameter.type) {
    case 'INTEGER':
      return integerRangeText(parameter);
    case 'ENUM':
    case 'COLUMN':
      return allowed.length === 0
        ? 'one of the allowed values, but none is available'
        : `one of ${allowed.join(', ')}`;
    case 'DATE':
      return 'a date as YYYY-MM-DD';
    case 'BOOLEAN':
      return 'true or false';
    case 'STRING':
      return 'a non-empty text';
    case 'STRING_LIST':
      return `a list of at most ${MAX_LIST_VALUES} texts`;
  }
}

function integerRangeText(parameter: QuestionParameter): string {
  const { minimum, maximum } = parameter;
  if (minimum !== null && maximum !== null) return `an integer from ${minimum} to ${maximum}`;
  if (minimum !== null) return `an integer of at least ${minimum}`;
  if (maximum !== null) return `an integer of at most ${maximum}`;
  return 'an integer';
}

function invalid(
  parameter: QuestionParameter,
  expected: string,
  received: unknown,
  allowedValues: string[] | null,
): AppError {
  const message = `Parameter "${parameter.name}" must be ${expected}; received ${describeValue(received)}.`;
  const echoed = nestedDeeperThan(received, MAX_ECHOED_DEPTH) ? describeValue(received) : received;
  return new AppError('PARAMETER_INVALID', message, {
    details: { parameter: parameter.name, expected, received: echoed, allowedValues },
  });
}

/** PostgreSQL text cannot hold U+0000, so such a value is rejected before it reaches a query. */
function containsNul(parameter: QuestionParameter, value: string): AppError {
  return invalid(parameter, 'text without NUL characters (U+0000)', value, null);
}

/** Rejects a list value that contains several values split by another separator than the comma. */
function containsOtherSeparator(parameter: QuestionParameter, value: string): AppError {
  const separator = OTHER_SEPARATOR.exec(value)?.[0] ?? ';';
  const parts = value
    .split(OTHER_SEPARATOR)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const message = `Parameter "${parameter.name}" value ${describeValue(value)} contains ${separatorName(separator)}, but list values are separated by commas; enter ${parts.join(', ')} (in an API call, send each value as its own list item).`;
  return new AppError('PARAMETER_SEPARATOR_INVALID', message, {
    details: {
      parameter: parameter.name,
      expected: 'list values separated by commas',
      received: value,
      separator,
      suggestedValues: parts,
      allowedValues: null,
    },
  });
}

function separatorName(separator: string): string {
  if (separator === '\t') return 'a tab';
  if (separator === '\n' || separator === '\r') return 'a line break';
  return `"${separator}"`;
}

function describeValue(value: unknown): string {
  if (nestedDeeperThan(value, MAX_ECHOED_DEPTH)) {
    return `a value nested more than ${MAX_ECHOED_DEPTH} levels deep`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** Walks a value without recursion, so any depth is measured without growing the stack. */
function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}
