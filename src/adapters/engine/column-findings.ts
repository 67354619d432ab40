import type { ColumnFinding, ImportReport } from '../../domain/datasets/dataset.ts';
import type { Logger } from '../logging/logger.ts';
import { CONTENT_KINDS, classifyContent, type ContentKind } from './column-content.ts';
import { awaitsContentCheck, type PlannedColumn } from './import-plan.ts';
import { statsAlias } from './import-sql.ts';

export type { ColumnFinding };

/** Reads from the stats pass the content kind of each PLAIN text column that has one, by alias. */
export function recognizeContentKinds(
  plan: PlannedColumn[],
  stats: Record<string, unknown>,
): Map<string, ContentKind> {
  const kinds = new Map<string, ContentKind>();
  for (const column of plan.filter(awaitsContentCheck)) {
    const matching = Object.fromEntries(
      CONTENT_KINDS.map((kind) => [kind, count(stats, statsAlias.matching(column, kind))]),
    ) as Record<ContentKind, number>;
    const kind = classifyContent({ present: count(stats, statsAlias.present(column)), matching });
    if (kind) kinds.set(column.alias, kind);
  }
  return kinds;
}

/**
 * Lists the columns recognised by content, the extra identifiers with
 * invalid values and the text columns whose personal data was replaced.
 * `plan` is the plan after `applyContentKinds`, `textColumns` the aliases of
 * PLAIN columns stored as text.
 */
export function listColumnFindings(
  plan: PlannedColumn[],
  stats: Record<string, unknown>,
  textColumns: Set<string>,
): ColumnFinding[] {
  const findings: ColumnFinding[] = [];
  for (const column of plan) {
    const finding = findingOf(column, stats, textColumns);
    if (finding) findings.push(finding);
  }
  return findings;
}

function findingOf(
  column: PlannedColumn,
  stats: Record<string, unknown>,
  textColumns: Set<string>,
): ColumnFinding | null {
  const base = { column: column.source.sourceName, storedName: column.storedName };
  if (column.content) {
    const present = count(stats, statsAlias.present(column));
    const matching = count(stats, statsAlias.matching(column, column.content));
    return { ...base, reason: `${column.content}_CONTENT`, changedValues: present - matching };
  }
  if (column.role === 'EXTRA_IDENTIFIER') {
    const invalid = count(stats, statsAlias.invalid(column));
    return invalid > 0 ? { ...base, reason: 'INVALID_IDENTIFIERS', changedValues: invalid } : null;
  }
  if (column.role !== 'PLAIN' || !textColumns.has(column.alias)) return null;
  // No value is counted twice: phones and hashes contain no "@".
  const replaced =
    count(stats, statsAlias.withEmails(column)) +
    count(stats, statsAlias.matching(column, 'PHONE')) +
    count(stats, statsAlias.matching(column, 'SHA256'));
  return replaced > 0
    ? { ...base, reason: 'PERSONAL_DATA_IN_TEXT', changedValues: replaced }
    : null;
}

/**
 * Logs each finding with the column names and counts, never a value.
 * The import report carries the same findings as `columnFindings`.
 */
export function logColumnFindings(
  log: Logger,
  format: ImportReport['format'],
  findings: ColumnFinding[],
): void {
  for (const finding of findings) log.info({ format, ...finding }, 'import changed column values');
}

function count(stats: Record<string, unknown>, alias: string): number {
  return Number(stats[alias] ?? 0);
}
