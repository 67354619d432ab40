import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { BoundDataset, ResultValue } from '../engine.ts';

/** Input of a template's query: validated parameters and one dataset per macro. */
export interface TemplateInput {
  datasets: Map<string, BoundDataset>;
  parameters: Record<string, unknown>;
}

/** A prepared statement: SQL with `$name` placeholders, their values and their DuckDB types. */
export interface TemplateQuery {
  sql: string;
  values: Record<string, DuckDBValue>;
  types: Record<string, DuckDBType>;
}

/** A dataset column a query groups by. */
export interface GroupingColumn {
  macro: string;
  column: string;
}

/**
 * Rows of a result that total other rows of the same result. A row is a
 * total when its dimension `column` equals `value`. Its detail rows are the
 * other rows with the same values in the `groupBy` dimensions, so an empty
 * `groupBy` makes one total over every detail row. The guard never publishes
 * the query's own measures of a total: it republishes each measure as the
 * sum over the released detail rows of the group.
 */
export interface TotalRows {
  column: string;
  value: string;
  groupBy: string[];
}

/**
 * The DuckDB side of an approved question. The query returns the question's
 * output columns except `derivedColumns`, each row with its true counts; the
 * engine's privacy guard does the rest.
 */
export interface QuestionTemplate {
  template: string;
  /**
   * Dataset columns the query groups by, read from unvalidated parameters:
   * the engine rejects identifier and PII columns before anything runs.
   */
  groupingColumns(parameters: Record<string, unknown>): GroupingColumn[];
  buildQuery(input: TemplateInput): TemplateQuery;
  /** Output measures computed from other measures after suppression and noise, so they agree with the published counts. */
  derivedColumns: string[];
  /** Total rows among the result rows; absent when every row is a detail row. */
  totalRows?: TotalRows;
  /**
   * Computes the derived measures of one released row. `releasedTotals` sums
   * each numeric measure over the released detail rows only, so no derived
   * value reveals anything about a suppressed row.
   */
  deriveMeasures?(row: Record<string, ResultValue>, releasedTotals: Record<string, number>): void;
}
