import { quotedIdentifier, VARCHAR } from '@duckdb/node-api';
import type { ResultValue } from '../engine.ts';
import type { QuestionTemplate, TemplateInput, TemplateQuery } from './question-template.ts';
import { templateDatasets } from './template-datasets.ts';

/**
 * Overlap per value of a partner attribute. Each segment counts distinct
 * partner identities (`partner_count`) and those also in my audience
 * (`overlap_count`). The totals give each segment's share of the overlap
 * and of the partner's base, and the index is the ratio of the two shares.
 */
export const audienceOverlapTemplate: QuestionTemplate = {
  template: 'audience_overlap',
  totalColumns: ['overlap_total', 'partner_total'],
  derivedColumns: ['overlap_rate', 'index'],

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
      ), partner AS (
        SELECT ${join.right} AS id, CAST(${attribute} AS VARCHAR) AS attribute_value
        FROM read_parquet($partner_audience) WHERE ${join.right} IS NOT NULL
      ), segments AS (
        SELECT p.attribute_value, count(DISTINCT m.id) AS overlap_count, count(DISTINCT p.id) AS partner_count
        FROM partner p LEFT JOIN mine m ON m.id = p.id
        GROUP BY p.attribute_value
      )
      SELECT attribute_value, overlap_count, partner_count,
        (SELECT count(DISTINCT p.id) FROM partner p SEMI JOIN mine m ON m.id = p.id) AS overlap_total,
        (SELECT count(DISTINCT id) FROM partner) AS partner_total
      FROM segments
      ORDER BY attribute_value NULLS LAST`;

    return {
      sql,
      values: { my_audience: mine.location, partner_audience: partner.location },
      types: { my_audience: VARCHAR, partner_audience: VARCHAR },
    };
  },

  deriveMeasures(row: Record<string, ResultValue>, totals: Record<string, number>): void {
    const overlap = Number(row.overlap_count);
    const partner = Number(row.partner_count);
    const overlapTotal = totals.overlap_total ?? 0;
    const partnerTotal = totals.partner_total ?? 0;

    row.overlap_rate = partner > 0 ? round(overlap / partner, 4) : null;
    const baseShare = partnerTotal > 0 ? partner / partnerTotal : 0;
    row.index =
      overlapTotal > 0 && baseShare > 0
        ? round((overlap / overlapTotal / baseShare) * 100, 2)
        : null;
  },
};

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
