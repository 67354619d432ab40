import { quotedIdentifier, quotedString } from '@duckdb/node-api';
import type { ColumnDataType } from '../../domain/datasets/dataset.ts';
import { castTextSql, presentCountSql, typeFitsSql } from './column-typing.ts';
import { identifierRules } from './identifier-rules.ts';
import type { PlannedColumn } from './import-plan.ts';

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
  const normalized = identifierColumns(plan).map((column) => {
    const text =
      column.source.knownType === null ? column.alias : `CAST(${column.alias} AS VARCHAR)`;
    return `${identifierRules[column.identifier].normalizedSql(text)} AS ${column.normalizedAlias}`;
  });

  return [
    `WITH source AS (SELECT ${sourceColumns.join(', ')} FROM ${relation.fromSql}${where}),`,
    `prepared AS (SELECT *${normalized.map((sql) => `, ${sql}`).join('')} FROM source)`,
  ].join('\n');
}

type IdentifierColumn = PlannedColumn & { identifier: NonNullable<PlannedColumn['identifier']> };

function identifierColumns(plan: PlannedColumn[]): IdentifierColumn[] {
  return plan.filter((column): column is IdentifierColumn => column.identifier !== null);
}

/**
 * SQL that is true for a row to import: no identifier is present but
 * invalid, and at least one is present. The JavaScript twin is
 * `findIdentifierError` in csv-line-errors.ts. With one identifier column
 * the normalised value is referenced once, because DuckDB copies it into
 * the filter at every reference. A filter with several references made the
 * write pass of a 2M-row file take 3.9 s instead of 1.7 s on two cores.
 */
export function validRowSql(plan: PlannedColumn[]): string {
  const columns = identifierColumns(plan);
  const [only] = columns;
  if (columns.length === 1 && only) return `coalesce(${validSql(only)}, false)`;

  const noneInvalid = columns.map(
    (column) => `NOT (${presentSql(column)} AND NOT coalesce(${validSql(column)}, false))`,
  );
  const anyPresent = columns.map(presentSql);
  return `((${noneInvalid.join(' AND ')}) AND (${anyPresent.join(' OR ')}))`;
}

function validSql(column: IdentifierColumn): string {
  return identifierRules[column.identifier].validSql(column.normalizedAlias);
}

function presentSql(column: IdentifierColumn): string {
  return `coalesce(${column.normalizedAlias} <> '', false)`;
}

/** Names of the stats columns that `readImportStats` reads. */
export const statsAlias = {
  fits: (column: PlannedColumn, type: string) => `fits_${type.toLowerCase()}_${column.alias}`,
  present: (column: PlannedColumn) => `present_${column.alias}`,
};

/** Builds the stats pass: row counts and, for text columns, which candidate types fit every value. */
export function importStatsSql(plan: PlannedColumn[], relation: ImportRelation): string {
  const aggregates = [
    'count(*) AS total_rows',
    `count(*) FILTER (WHERE NOT ${validRowSql(plan)}) AS invalid_rows`,
  ];
  for (const column of plan) {
    if (column.candidates.length === 0) continue;
    aggregates.push(`${presentCountSql(column.alias)} AS ${statsAlias.present(column)}`);
    for (const type of column.candidates) {
      aggregates.push(`${typeFitsSql(column.alias, type)} AS ${statsAlias.fits(column, type)}`);
    }
  }
  return `${preparedRowsSql(plan, relation)}\nSELECT ${aggregates.join(',\n  ')} FROM prepared`;
}

/** Builds the COPY that writes the valid rows to Parquet at `targetPath`, identifiers normalised and hashed, other columns typed. */
export function copyToParquetSql(
  plan: PlannedColumn[],
  relation: ImportRelation,
  types: Map<string, ColumnDataType>,
  targetPath: string,
): string {
  const identifierCount = identifierColumns(plan).length;
  const stored = plan.map(
    (column) =>
      `${storedValueSql(column, types, identifierCount)} AS ${quotedIdentifier(column.storedName)}`,
  );
  const select = `SELECT ${stored.join(', ')} FROM prepared WHERE ${validRowSql(plan)}`;
  return `COPY (${preparedRowsSql(plan, relation)}\n${select}) TO ${quotedString(targetPath)} (FORMAT parquet)`;
}

function storedValueSql(
  column: PlannedColumn,
  types: Map<string, ColumnDataType>,
  identifierCount: number,
): string {
  if (column.identifier) {
    const stored = identifierRules[column.identifier].storedSql(column.normalizedAlias);
    // With several identifier columns a row may lack some of them; those stay NULL rather than a hash of ''.
    return identifierCount === 1
      ? stored
      : `CASE WHEN ${column.normalizedAlias} <> '' THEN ${stored} END`;
  }
  if (column.source.knownType) return column.alias;
  return castTextSql(column.alias, types.get(column.alias) ?? 'STRING');
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
  const columns = identifierColumns(plan);
  const firstIdentifier = columns[0] as IdentifierColumn;
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
