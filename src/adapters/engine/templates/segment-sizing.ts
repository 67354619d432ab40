import { LIST, VARCHAR } from '@duckdb/node-api';
import type { QuestionTemplate, TemplateInput, TemplateQuery } from './question-template.ts';
import { templateDatasets } from './template-datasets.ts';

/**
 * Matched people per value of a partner attribute (row_type SEGMENT), and
 * one TOTAL row. The query's TOTAL counts each person matched in any chosen
 * value once, and the guard uses it only for the crowd size check. The guard
 * publishes the sum of the released SEGMENT rows instead. That sum counts
 * segment memberships, which equal people only when each person has one
 * value of the attribute. Publishing the distinct count whenever no segment
 * is suppressed would leak, because with several values per person the
 * segments minus the distinct count reveal how many people share values.
 */
export const segmentSizingTemplate: QuestionTemplate = {
  template: 'segment_sizing',
  derivedColumns: [],
  totalRows: { column: 'row_type', value: 'TOTAL', groupBy: [] },

  groupingColumns: (parameters) => templateDatasets.partnerAttributeGrouping(parameters),

  buildQuery(input: TemplateInput): TemplateQuery {
    const { mine, partner, join, attribute } = templateDatasets.audiencePair(input);

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
