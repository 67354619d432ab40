import { LIST, VARCHAR } from '@duckdb/node-api';
import type { QuestionTemplate, TemplateInput, TemplateQuery } from './question-template.ts';
import { templateDatasets } from './template-datasets.ts';

/**
 * Reach and frequency of my audience per campaign. Each matched person's
 * exposures in the date window are counted per campaign, and the count puts
 * the person in a frequency bucket (1, 2, 3, 4, 5+). Impressions are the
 * exposures of the people in the row. The guard publishes each campaign's
 * ALL row as the sum of its released buckets. The buckets partition the
 * campaign's people and their exposures, so that sum equals the query's ALL
 * row when no bucket is suppressed.
 */
export const reachFrequencyTemplate: QuestionTemplate = {
  template: 'reach_frequency',
  derivedColumns: [],
  totalRows: { column: 'frequency_bucket', value: 'ALL', groupBy: ['campaign_id'] },

  groupingColumns: () => [{ macro: '@exposures', column: 'campaign_id' }],

  buildQuery(input: TemplateInput): TemplateQuery {
    const exposures = templateDatasets.get(input, '@exposures');
    const mine = templateDatasets.get(input, '@my_audience');
    const join = templateDatasets.joinColumns(exposures, mine);
    const { parameters } = input;

    return {
      sql: `WITH ${matchedExposuresCtes(join.left, join.right)}, ${FREQUENCY_SQL}`,
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
  },
};

/** Exposures in the date window and campaign filter, of people in my audience. */
function matchedExposuresCtes(exposureIdentifier: string, audienceIdentifier: string): string {
  return `mine AS (
    SELECT DISTINCT ${audienceIdentifier} AS id FROM read_parquet($my_audience) WHERE ${audienceIdentifier} IS NOT NULL
  ), exposures AS (
    SELECT ${exposureIdentifier} AS id, CAST(campaign_id AS VARCHAR) AS campaign_id
    FROM read_parquet($exposures)
    WHERE ${exposureIdentifier} IS NOT NULL
      AND exposure_at >= CAST($date_start AS DATE)
      AND exposure_at < CAST($date_end AS DATE) + INTERVAL 1 DAY
      AND ($campaign_ids IS NULL OR list_contains($campaign_ids, CAST(campaign_id AS VARCHAR)))
  ), matched AS (
    SELECT e.* FROM exposures e SEMI JOIN mine m ON m.id = e.id
  )`;
}

/** Counts exposures per person and campaign, then people and impressions per frequency bucket and in all. */
const FREQUENCY_SQL = `per_person AS (
    SELECT campaign_id, id, count(*) AS frequency FROM matched GROUP BY campaign_id, id
  ), buckets AS (
    SELECT campaign_id, CASE WHEN frequency >= 5 THEN '5+' ELSE CAST(frequency AS VARCHAR) END AS frequency_bucket,
      count(*) AS reach, sum(frequency) AS impressions
    FROM per_person GROUP BY ALL
    UNION ALL
    SELECT campaign_id, 'ALL' AS frequency_bucket, count(*) AS reach, sum(frequency) AS impressions
    FROM per_person GROUP BY campaign_id
  )
  SELECT campaign_id, frequency_bucket, reach, impressions
  FROM buckets
  ORDER BY campaign_id NULLS LAST, frequency_bucket`;
