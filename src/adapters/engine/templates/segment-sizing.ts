import { LIST, quotedIdentifier, VARCHAR } from '@duckdb/node-api';
import type { QuestionTemplate, TemplateInput, TemplateQuery } from './question-template.ts';
import { templateDatasets } from './template-datasets.ts';

/**
 * Matched people per value of a partner attribute (row_type SEGMENT), and
 * one TOTAL row counting each person matched in any chosen value once.
 */
export const segmentSizingTemplate: QuestionTemplate = {
  template: 'segment_sizing',
  derivedColumns: [],

  groupingColumns: (parameters) =>
    typeof parameters.attribute === 'string'
      ? [{ macro: '@partner_audience', column: parameters.attribute }]
      : [],

  buildQuery(input: TemplateInput): TemplateQuery {
    const mine = templateDatasets.get(input, '@my_audience');
    const partner = templateDatasets.get(input, '@partner_audience');
    const join = templateDatasets.joinColumns(mine, partner);
    const attribute = quotedIdentifier(String(input.parameters.attribute));

    const sql = `
      WITH mine AS (
        SELECT DISTINCT ${join.left} AS id FROM read_parquet($my_audience) WHERE ${join.left} IS NOT NULL
      ), matched AS (
        SELECT p.${join.right} AS id, CAST(p.${attribute} AS VARCHAR) AS attribute_value
        FROM read_parquet($partner_audience) p
        SEMI JOIN mine m ON m.id = p.${join.right}
        WHERE $values IS NULL OR list_contains($values, CAST(p.${attribute} AS VARCHAR))
      )
      SELECT * FROM (
        SELECT 'SEGMENT' AS row_type, attribute_value, count(DISTINCT id) AS matched_count
        FROM matched GROUP BY attribute_value
        UNION ALL
        SELECT 'TOTAL' AS row_type, NULL AS attribute_value, count(DISTINCT id) AS matched_count FROM matched
      )
      ORDER BY row_type, attribute_value NULLS LAST`;

    return {
      sql,
      values: {
        my_audience: mine.location,
        partner_audience: partner.location,
        values: templateDatasets.listOrNull(input.parameters.values),
      },
      types: { my_audience: VARCHAR, partner_audience: VARCHAR, values: LIST(VARCHAR) },
    };
  },
};
