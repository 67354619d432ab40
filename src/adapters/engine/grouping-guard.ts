import { AppError } from '../../domain/errors/app-error.ts';
import type { BoundDataset } from './engine.ts';
import type { GroupingColumn } from './templates/question-template.ts';

/**
 * Raises PRIVACY_VIOLATION when a query would group by an identifier or a
 * PII column: each group would then describe a person. It runs inside the
 * engine before parameter validation, so a caller that skipped validation
 * is stopped all the same. Columns that do not exist are left to
 * validation, which names the allowed ones.
 */
export function checkGroupingColumns(
  groupings: GroupingColumn[],
  datasets: Map<string, BoundDataset>,
): void {
  for (const grouping of groupings) {
    const column = datasets
      .get(grouping.macro)
      ?.columns.find((candidate) => candidate.name === grouping.column);
    if (!column || (column.identifierType === null && !column.isPii)) continue;

    const kind = column.identifierType
      ? `an identifier column (${column.identifierType})`
      : 'a PII column';
    throw new AppError(
      'PRIVACY_VIOLATION',
      `Column "${column.name}" of ${grouping.macro} is ${kind} and cannot be used to group results; choose an attribute column.`,
      { details: { macro: grouping.macro, column: column.name } },
    );
  }
}
