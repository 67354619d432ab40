import { AppError } from '../../domain/errors/app-error.ts';
import type { IdentifierHint } from '../../adapters/engine/engine.ts';

const IDENTIFIER_HINTS: readonly IdentifierHint[] = [
  'EMAIL',
  'PHONE',
  'EMAIL_SHA256',
  'PHONE_SHA256',
  'RAMPID',
  'MAID',
  'CUSTOMER_ID',
  'NONE',
];

/**
 * Parses `email:EMAIL,phone:PHONE` into a column-to-identifier map. The type
 * NONE declares a column that is not an identifier: the import then stores
 * its values without looking for identifiers or email addresses in them.
 */
export function parseIdentifierColumns(
  text: string | undefined,
): Record<string, IdentifierHint> | undefined {
  if (text === undefined || text.trim() === '') return undefined;

  const entries = text.split(',').map((pair) => {
    const [column, hint] = pair.split(':').map((part) => part.trim());
    if (!column || !hint || !IDENTIFIER_HINTS.includes(hint.toUpperCase() as IdentifierHint)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `identifierColumns entry "${pair}" is invalid; write column:TYPE with TYPE one of ${IDENTIFIER_HINTS.join(', ')} (NONE marks a column that is not an identifier).`,
        {
          details: { field: 'identifierColumns', received: pair, allowedValues: IDENTIFIER_HINTS },
        },
      );
    }
    return [column, hint.toUpperCase() as IdentifierHint] as const;
  });
  return Object.fromEntries(entries);
}

/** Parses a comma-separated column list. */
export function parseColumnList(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return text
    .split(',')
    .map((column) => column.trim())
    .filter((column) => column.length > 0);
}

/** Maps the delimiter field to the character; `tab` is accepted because a raw tab is awkward in forms. */
export function parseDelimiter(delimiter: string | undefined): string | undefined {
  return delimiter === 'tab' ? '\t' : delimiter;
}
