import { INTEGER, LIST, VARCHAR } from '@duckdb/node-api';
import type { TemplateInput, TemplateQuery } from './question-template.ts';
import { templateDatasets } from './template-datasets.ts';

/**
 * A query of upper bounds on the identity count of each segment of a
 * question's output. It returns `segment_value` (VARCHAR), `upper_bound` and
 * `is_total`. Every output row of a segment counts at most `upper_bound`
 * distinct identities, so a bound under the crowd size proves that the rows
 * are suppressed. The bounds skip the match between the parties, which
 * makes them cheap. So a bound that reaches the crowd size proves nothing
 * about the rows of its segment.
 */
export interface SegmentBoundsQuery extends TemplateQuery {
  dimension: string;
  dimensionMacro: string;
  method: string;
  /** STRING_LIST parameter whose values filter the segments, or null when the question has none. */
  filterParameter: string | null;
}

type SegmentBoundsBuilder = (input: TemplateInput) => SegmentBoundsQuery;

/** Distinct identities of the audience bound to `$my_audience`: no output row can count more. */
function audienceSizeSql(identifier: string): string {
  return `SELECT count(DISTINCT ${identifier}) AS people FROM read_parquet($my_audience)`;
}

function audienceOverlapBounds(input: TemplateInput): SegmentBoundsQuery {
  const { mine, partner, join, attribute } = templateDatasets.audiencePair(input);

  return {
    dimension: 'attribute_value',
    dimensionMacro: '@partner_audience',
    filterParameter: null,
    method:
      "Each attribute value's overlap is at most the partner's people with that value and at most your audience size.",
    sql: `
      WITH mine AS (${audienceSizeSql(join.left)})
      SELECT CAST(p.${attribute} AS VARCHAR) AS segment_value,
             least(count(DISTINCT p.${join.right}), (SELECT people FROM mine)) AS upper_bound,
             false AS is_total
      FROM read_parquet($partner_audience) p
      WHERE p.${join.right} IS NOT NULL
      GROUP BY 1`,
    values: { my_audience: mine.location, partner_audience: partner.location },
    types: { my_audience: VARCHAR, partner_audience: VARCHAR },
  };
}

function segmentSizingBounds(input: TemplateInput): SegmentBoundsQuery {
  const { mine, partner, join, attribute } = templateDatasets.audiencePair(input);

  return {
    dimension: 'attribute_value',
    dimensionMacro: '@partner_audience',
    filterParameter: 'values',
    method:
      "Each segment's matched count is at most the partner's people with that value and at most your audience size. The TOTAL row sums the published segments, so it is published only when a segment may pass.",
    sql: `
      WITH mine AS (${audienceSizeSql(join.left)}),
      partner AS (
        SELECT p.${join.right} AS id, CAST(p.${attribute} AS VARCHAR) AS segment_value
        FROM read_parquet($partner_audience) p
        WHERE p.${join.right} IS NOT NULL
          AND ($values IS NULL OR list_contains($values, CAST(p.${attribute} AS VARCHAR)))
      )
      SELECT segment_value, least(count(DISTINCT id), (SELECT people FROM mine)) AS upper_bound,
             false AS is_total
      FROM partner GROUP BY 1
      UNION ALL
      SELECT NULL, least(count(DISTINCT id), (SELECT people FROM mine)), true FROM partner`,
    values: {
      my_audience: mine.location,
      partner_audience: partner.location,
      values: templateDatasets.listOrNull(input.parameters.values),
    },
    types: { my_audience: VARCHAR, partner_audience: VARCHAR, values: LIST(VARCHAR) },
  };
}

function reachFrequencyBounds(input: TemplateInput): SegmentBoundsQuery {
  const exposures = templateDatasets.get(input, '@exposures');
  const mine = templateDatasets.get(input, '@my_audience');
  const join = templateDatasets.joinColumns(exposures, mine);
  const { parameters } = input;

  return {
    dimension: 'campaign_id',
    dimensionMacro: '@exposures',
    filterParameter: 'campaign_ids',
    method:
      "Each campaign's reach is at most the distinct people it exposed in the date range and at most your audience size. A campaign that may pass can still lose its smaller frequency buckets.",
    sql: `
      WITH mine AS (${audienceSizeSql(join.right)})
      SELECT CAST(campaign_id AS VARCHAR) AS segment_value,
             least(count(DISTINCT ${join.left}), (SELECT people FROM mine)) AS upper_bound,
             false AS is_total
      FROM read_parquet($exposures)
      WHERE ${join.left} IS NOT NULL
        AND exposure_at >= CAST($date_start AS DATE)
        AND exposure_at < CAST($date_end AS DATE) + INTERVAL 1 DAY
        AND ($campaign_ids IS NULL OR list_contains($campaign_ids, CAST(campaign_id AS VARCHAR)))
      GROUP BY 1`,
    values: {
      exposures: exposures.location,
      my_audience: mine.location,
      date_start: String(parameters.date_start),
      date_end: String(parameters.date_end),
      campaign_ids: templateDatasets.listOrNull(parameters.campaign_ids),
    },
    types: {
      exposures: VARCHAR,
      my_audience: VARCHAR,
      date_start: VARCHAR,
      date_end: VARCHAR,
      campaign_ids: LIST(VARCHAR),
    },
  };
}

/**
 * Exposures can earn credit from the lookback window before the first day of
 * conversions up to the last day, so the bound counts exposures in that span.
 */
function attributionBounds(input: TemplateInput): SegmentBoundsQuery {
  const exposures = templateDatasets.get(input, '@exposures');
  const conversions = templateDatasets.get(input, '@conversions');
  const join = templateDatasets.joinColumns(exposures, conversions);
  const { parameters } = input;

  return {
    dimension: 'campaign_id',
    dimensionMacro: '@exposures',
    filterParameter: null,
    method:
      "Each campaign's converters are at most the distinct people it exposed from the lookback window before date_start to date_end, and at most the people who converted in the date range.",
    sql: `
      WITH converters AS (
        SELECT count(DISTINCT ${join.right}) AS people FROM read_parquet($conversions)
        WHERE conversion_at >= CAST($date_start AS DATE)
          AND conversion_at < CAST($date_end AS DATE) + INTERVAL 1 DAY
      )
      SELECT CAST(campaign_id AS VARCHAR) AS segment_value,
             least(count(DISTINCT ${join.left}), (SELECT people FROM converters)) AS upper_bound,
             false AS is_total
      FROM read_parquet($exposures)
      WHERE ${join.left} IS NOT NULL
        AND exposure_at >= CAST($date_start AS DATE) - to_days($lookback_days)
        AND exposure_at < CAST($date_end AS DATE) + INTERVAL 1 DAY
      GROUP BY 1`,
    values: {
      exposures: exposures.location,
      conversions: conversions.location,
      date_start: String(parameters.date_start),
      date_end: String(parameters.date_end),
      lookback_days: Number(parameters.lookback_days),
    },
    types: {
      exposures: VARCHAR,
      conversions: VARCHAR,
      date_start: VARCHAR,
      date_end: VARCHAR,
      lookback_days: INTEGER,
    },
  };
}

/** Bound queries by question template key; each key matches a template of the catalog. */
export const segmentBoundsQueries: ReadonlyMap<string, SegmentBoundsBuilder> = new Map([
  ['audience_overlap', audienceOverlapBounds],
  ['segment_sizing', segmentSizingBounds],
  ['reach_frequency', reachFrequencyBounds],
  ['attribution', attributionBounds],
]);
