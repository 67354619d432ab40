import { INTEGER, VARCHAR } from '@duckdb/node-api';
import type { QuestionTemplate, TemplateInput, TemplateQuery } from './question-template.ts';
import { templateDatasets } from './template-datasets.ts';

/**
 * Credits each conversion in the date window to the exposures of the same
 * person in the `lookback_days` before it, the conversion instant included.
 * first_touch and last_touch give the whole conversion to the earliest or
 * latest exposure, ties broken by campaign ID. linear splits it equally
 * among all of them.
 */
export const attributionTemplate: QuestionTemplate = {
  template: 'attribution',
  derivedColumns: [],

  groupingColumns: () => [{ macro: '@exposures', column: 'campaign_id' }],

  buildQuery(input: TemplateInput): TemplateQuery {
    const exposures = templateDatasets.get(input, '@exposures');
    const conversions = templateDatasets.get(input, '@conversions');
    const join = templateDatasets.joinColumns(exposures, conversions);
    const { parameters } = input;

    return {
      sql: `WITH ${conversionsCte(join.right)}, ${exposuresCte(join.left)}, ${CREDIT_SQL}`,
      values: {
        exposures: exposures.location,
        conversions: conversions.location,
        date_start: String(parameters.date_start),
        date_end: String(parameters.date_end),
        lookback_days: Number(parameters.lookback_days),
        model: String(parameters.model),
      },
      types: {
        exposures: VARCHAR,
        conversions: VARCHAR,
        date_start: VARCHAR,
        date_end: VARCHAR,
        lookback_days: INTEGER,
        model: VARCHAR,
      },
    };
  },
};

function conversionsCte(identifier: string): string {
  return `conversions AS (
    SELECT row_number() OVER () AS conversion_key, ${identifier} AS id, conversion_at,
      coalesce(CAST(conversion_value AS DOUBLE), 0) AS conversion_value
    FROM read_parquet($conversions)
    WHERE ${identifier} IS NOT NULL
      AND conversion_at >= CAST($date_start AS DATE)
      AND conversion_at < CAST($date_end AS DATE) + INTERVAL 1 DAY
  )`;
}

function exposuresCte(identifier: string): string {
  return `exposures AS (
    SELECT ${identifier} AS id, CAST(campaign_id AS VARCHAR) AS campaign_id, exposure_at
    FROM read_parquet($exposures) WHERE ${identifier} IS NOT NULL
  )`;
}

/** Joins conversions to their exposures in the lookback window, credits them by model and sums per campaign. */
const CREDIT_SQL = `touches AS (
    SELECT c.conversion_key, c.id, c.conversion_value, e.campaign_id,
      row_number() OVER (PARTITION BY c.conversion_key ORDER BY e.exposure_at, e.campaign_id) AS first_rank,
      row_number() OVER (PARTITION BY c.conversion_key ORDER BY e.exposure_at DESC, e.campaign_id DESC) AS last_rank,
      count(*) OVER (PARTITION BY c.conversion_key) AS touch_count
    FROM conversions c
    JOIN exposures e ON e.id = c.id
      AND e.exposure_at <= c.conversion_at
      AND e.exposure_at >= c.conversion_at - to_days($lookback_days)
  ), credited AS (
    SELECT campaign_id, id, conversion_value,
      CASE $model
        WHEN 'first_touch' THEN CASE WHEN first_rank = 1 THEN 1.0 ELSE 0.0 END
        WHEN 'last_touch' THEN CASE WHEN last_rank = 1 THEN 1.0 ELSE 0.0 END
        ELSE 1.0 / touch_count
      END AS credit
    FROM touches
  )
  SELECT campaign_id,
    count(DISTINCT id) AS converters,
    CAST(sum(credit) AS DOUBLE) AS attributed_conversions,
    CAST(sum(credit * conversion_value) AS DOUBLE) AS attributed_value
  FROM credited
  WHERE credit > 0
  GROUP BY campaign_id
  ORDER BY campaign_id NULLS LAST`;
