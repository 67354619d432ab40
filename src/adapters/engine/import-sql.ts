import { quotedIdentifier, quotedString } from '@duckdb/node-api';
import type { ColumnDataType } from '../../domain/datasets/dataset.ts';
import {
  CONTENT_KINDS,
  containsEmailSql,
  contentRules,
  withoutPersonalDataSql,
  type ContentKind,
} from './column-content.ts';
import { castTextSql, presentCountSql, typeFitsSql } from './column-typing.ts';
import { identifierRules } from './identifier-rules.ts';
import {
  awaitsContentCheck,
  isRuleColumn,
  type PlannedColumn,
  type RuleColumn,
} from './import-plan.ts';

/** The relation an import reads, with the SQL around it. */
export interface ImportRelation {
  /** FROM clause: a table function call whose arguments are already quoted. */
  fromSql: string;
  /** Condition on the source columns selecting the rows to import, or null for all rows. */
  rowFilterSql: string | null;
  /** SQL of each row's 0-based position in the file, or null when the format has none. */
  rowNumberSql: string | null;
}

const ROW_NUMBER_ALIAS = 'source_row';

/**
 * Builds the two CTEs every import query starts with: `source` reads each
 * column under its position alias, `prepared` adds the normalised identifier
 * values. Later clauses refer only to aliases, never to source names.
 */
export function preparedRowsSql(plan: PlannedColumn[], relation: ImportRelation): string {
  const sourceColumns = plan.map((column) => `${column.source.sql} AS ${column.alias}`);
  if (relation.rowNumberSql) sourceColumns.push(`${relation.rowNumberSql} AS ${ROW_NUMBER_ALIAS}`);
  const where = relation.rowFilterSql ? ` WHERE ${relation.rowFilterSql}` : '';
  const normalized = plan.filter(isRuleColumn).map((column) => {
    const text =
      column.source.knownType === null ? column.alias : `CAST(${column.alias} AS VARCHAR)`;
    return `${identifierRules[column.identifier].normalizedSql(text)} AS ${column.normalizedAlias}`;
  });

  return [
    `WITH source AS (SELECT ${sourceColumns.join(', ')} FROM ${relation.fromSql}${where}),`,
    `prepared AS (SELECT *${normalized.map((sql) => `, ${sql}`).join('')} FROM source)`,
  ].join('\n');
}

function keyColumns(plan: PlannedColumn[]): RuleColumn[] {
  return plan.filter(
    (column): column is RuleColumn => isRuleColumn(column) && column.role === 'KEY_IDENTIFIER',
  );
}

/**
 * SQL that is true for a row to import: no key identifier is present but
 * invalid, and at least one is present. The JavaScript twin is
 * `findIdentifierError` in csv-line-errors.ts. With one key column
 * the normalised value is referenced once, because DuckDB copies it into
 * the filter at every reference. A filter with several references made the
 * write pass of a 2M-row file take 3.9 s instead of 1.7 s on two cores.
 */
export function validRowSql(plan: PlannedColumn[]): string {
  const columns = keyColumns(plan);
  const [only] = columns;
  if (columns.length === 1 && only) return `coalesce(${validSql(only)}, false)`;

  const noneInvalid = columns.map(
    (column) => `NOT (${presentSql(column)} AND NOT coalesce(${validSql(column)}, false))`,
  );
  const anyPresent = columns.map(presentSql);
  return `((${noneInvalid.join(' AND ')}) AND (${anyPresent.join(' OR ')}))`;
}

function validSql(column: RuleColumn): string {
  return identifierRules[column.identifier].validSql(column.normalizedAlias);
}

function presentSql(column: RuleColumn): string {
  return `coalesce(${column.normalizedAlias} <> '', false)`;
}

/** Names of the stats columns that `readImportStats` reads. */
export const statsAlias = {
  fits: (column: PlannedColumn, type: string) => `fits_${type.toLowerCase()}_${column.alias}`,
  present: (column: PlannedColumn) => `present_${column.alias}`,
  matching: (column: PlannedColumn, kind: ContentKind) =>
    `matching_${kind.toLowerCase()}_${column.alias}`,
  withEmails: (column: PlannedColumn) => `with_emails_${column.alias}`,
  invalid: (column: PlannedColumn) => `invalid_${column.alias}`,
};

/**
 * Builds the stats pass. It counts the rows and the invalid rows. For text
 * columns it checks which candidate types fit every value and counts the
 * values of each content kind. For extra identifiers it counts the invalid
 * values. The counts cover every data row read, rejected rows included.
 */
export function importStatsSql(plan: PlannedColumn[], relation: ImportRelation): string {
  const aggregates = [
    'count(*) AS total_rows',
    `count(*) FILTER (WHERE NOT ${validRowSql(plan)}) AS invalid_rows`,
  ];
  for (const column of plan) aggregates.push(...columnStatsSql(column));
  return `${preparedRowsSql(plan, relation)}\nSELECT ${aggregates.join(',\n  ')} FROM prepared`;
}

function columnStatsSql(column: PlannedColumn): string[] {
  const aggregates: string[] = [];
  if (isRuleColumn(column) && column.role === 'EXTRA_IDENTIFIER') {
    const invalid = `${presentSql(column)} AND NOT coalesce(${validSql(column)}, false)`;
    aggregates.push(`count(*) FILTER (WHERE ${invalid}) AS ${statsAlias.invalid(column)}`);
  }
  if (column.candidates.length > 0 || awaitsContentCheck(column)) {
    aggregates.push(`${presentCountSql(column.alias)} AS ${statsAlias.present(column)}`);
  }
  for (const type of column.candidates) {
    aggregates.push(`${typeFitsSql(column.alias, type)} AS ${statsAlias.fits(column, type)}`);
  }
  if (!awaitsContentCheck(column)) return aggregates;

  for (const kind of CONTENT_KINDS) {
    const matches = contentRules[kind].matchesSql(column.alias);
    aggregates.push(`count(*) FILTER (WHERE ${matches}) AS ${statsAlias.matching(column, kind)}`);
  }
  const withEmails = containsEmailSql(column.alias);
  aggregates.push(`count(*) FILTER (WHERE ${withEmails}) AS ${statsAlias.withEmails(column)}`);
  return aggregates;
}

/**
 * Builds the COPY that writes the valid rows to Parquet at `targetPath`:
 * identifiers normalised and hashed, other columns typed, and no raw value
 * that failed an identifier or content check.
 */
export function copyToParquetSql(
  plan: PlannedColumn[],
  relation: ImportRelation,
  types: Map<string, ColumnDataType>,
  targetPath: string,
): string {
  const keyCount = keyColumns(plan).length;
  const stored = plan.map(
    (column) =>
      `${storedValueSql(column, types, keyCount)} AS ${quotedIdentifier(column.storedName)}`,
  );
  const select = `SELECT ${stored.join(', ')} FROM prepared WHERE ${validRowSql(plan)}`;
  return `COPY (${preparedRowsSql(plan, relation)}\n${select}) TO ${quotedString(targetPath)} (FORMAT parquet)`;
}

function storedValueSql(
  column: PlannedColumn,
  types: Map<string, ColumnDataType>,
  keyCount: number,
): string {
  if (column.content) {
    const rule = contentRules[column.content];
    return `CASE WHEN ${rule.matchesSql(column.alias)} THEN ${rule.storedSql(column.alias)} END`;
  }
  if (isRuleColumn(column)) return identifierValueSql(column, keyCount);
  if (column.source.knownType) return column.alias;

  const type = types.get(column.alias) ?? 'STRING';
  if (type === 'STRING' && column.role === 'PLAIN') return withoutPersonalDataSql(column.alias);
  return castTextSql(column.alias, type);
}

function identifierValueSql(column: RuleColumn, keyCount: number): string {
  const stored = identifierRules[column.identifier].storedSql(column.normalizedAlias);
  // An extra identifier keeps only valid values, so an invalid one is never written raw.
  if (column.role === 'EXTRA_IDENTIFIER')
    return `CASE WHEN coalesce(${validSql(column)}, false) THEN ${stored} END`;
  // With several key columns a row may lack some of them; those stay NULL rather than a hash of ''.
  return keyCount === 1 ? stored : `CASE WHEN ${column.normalizedAlias} <> '' THEN ${stored} END`;
}

/**
 * Lists the first rejected rows with their 1-based row number, the column at
 * fault and the error code, in file order. Needs `rowNumberSql`.
 */
export function rejectedRowsSql(
  plan: PlannedColumn[],
  relation: ImportRelation,
  limit: number,
): string {
  const columns = keyColumns(plan);
  const firstIdentifier = columns[0] as RuleColumn;
  const branches = columns.map((column) => ({
    condition: `${presentSql(column)} AND NOT coalesce(${validSql(column)}, false)`,
    column: column.source.sourceName,
    code: identifierRules[column.identifier].invalidCode,
  }));
  const caseSql = (pick: (branch: (typeof branches)[number]) => string, otherwise: string) =>
    `CASE ${branches.map((branch) => `WHEN ${branch.condition} THEN ${quotedString(pick(branch))}`).join(' ')} ELSE ${quotedString(otherwise)} END`;

  return [
    preparedRowsSql(plan, relation),
    `SELECT ${ROW_NUMBER_ALIAS} + 1 AS line,`,
    `  ${caseSql((branch) => branch.column, firstIdentifier.source.sourceName)} AS column_name,`,
    `  ${caseSql((branch) => branch.code, 'MISSING_IDENTIFIER')} AS code`,
    `FROM prepared WHERE NOT ${validRowSql(plan)} ORDER BY ${ROW_NUMBER_ALIAS} LIMIT ${Math.trunc(limit)}`,
  ].join('\n');
}
