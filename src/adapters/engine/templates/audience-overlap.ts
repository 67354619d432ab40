import { VARCHAR } from '@duckdb/node-api';
import type { ResultValue } from '../engine.ts';
import type { QuestionTemplate, TemplateInput, TemplateQuery } from './question-template.ts';
import { templateDatasets } from './template-datasets.ts';

/**
 * Overlap per value of a partner attribute. Each segment counts distinct
 * partner identities (`partner_count`) and those also in my audience
 * (`overlap_count`). The index compares the segment's share of the released
 * overlap with its share of the released partner base (100 = average); the
 * shares are over segment memberships, which equal people when each person
 * has one value of the attribute.
 */
export const audienceOverlapTemplate: QuestionTemplate = {
  template: 'audience_overlap',
  derivedColumns: ['overlap_rate', 'index'],

  groupingColumns: (parameters) => templateDatasets.partnerAttributeGrouping(parameters),

  buildQuery(input: TemplateInput): TemplateQuery {
    const { mine, partner, join, attribute } = templateDatasets.audiencePair(input);

    // One scan of the partner audience against the distinct set of my
    // identifiers: faster than an inner join plus a second scan for the
    // partner's segment sizes (about 0.9x a hand-written overlap on 1M x 2M).
    const sql = `
      WITH mine AS (
        SELECT DISTINCT ${join.left} AS id FROM read_parquet($my_audience) WHERE ${join.left} IS NOT NULL
      ), partner AS (
        SELECT p.${join.right} AS id, p.${attribute} AS segment, m.id IS NOT NULL AS matched
        FROM read_parquet($partner_audience) p LEFT JOIN mine m ON m.id = p.${join.right}
        WHERE p.${join.right} IS NOT NULL
      )
      SELECT CAST(segment AS VARCHAR) AS attribute_value,
             count(DISTINCT id) FILTER (WHERE matched) AS overlap_count,
             count(DISTINCT id) AS partner_count
      FROM partner
      GROUP BY segment
      ORDER BY attribute_value NULLS LAST`;

    return {
      sql,
      values: { my_audience: mine.location, partner_audience: partner.location },
      types: { my_audience: VARCHAR, partner_audience: VARCHAR },
    };
  },

  deriveMeasures(row: Record<string, ResultValue>, releasedTotals: Record<string, number>): void {
    const overlap = Number(row.overlap_count);
    const partner = Number(row.partner_count);
    const overlapTotal = releasedTotals.overlap_count ?? 0;
    const partnerTotal = releasedTotals.partner_count ?? 0;

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
