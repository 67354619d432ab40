import { z } from 'zod';
import { RunPrivacySchema } from './question-run.ts';
import { UnmatchedValuesSchema } from './unmatched-values.ts';

/** Whether a segment's output rows can reach the crowd size. */
export const SegmentVerdictSchema = z.enum(['MAY_PASS', 'WILL_BE_SUPPRESSED']);
export type SegmentVerdict = z.infer<typeof SegmentVerdictSchema>;

/**
 * Estimate of the output rows the crowd size would suppress, made from upper
 * bounds on each segment's identity count without running the question.
 * It contains no identity counts: a bound under the crowd size is itself a
 * count that the result would withhold.
 */
export const SuppressionEstimateSchema = z.object({
  /** Output column whose values name the segments, such as attribute_value or campaign_id. */
  dimension: z.string(),
  /** Macro of the dataset that the dimension values come from. */
  dimensionMacro: z.string(),
  /** Segments whose bound reaches the crowd size: their rows may pass, or be suppressed once matched. */
  mayPass: z.object({
    count: z.number().int(),
    /** The first 100 values, in result order. */
    values: z.array(z.string().nullable()),
  }),
  /** Segments whose bound is under the crowd size: every row of theirs is suppressed. */
  willBeSuppressed: z.object({
    count: z.number().int(),
    /** The first 100 values, or null when the dimension comes from another organization's data. */
    values: z.array(z.string().nullable()).nullable(),
  }),
  /** Verdict on the row summing all segments (segment_sizing's TOTAL row); null when there is none. */
  totalRow: SegmentVerdictSchema.nullable(),
  /** List parameter whose values filter the segments, such as campaign_ids, or null when the question has none. */
  filterParameter: z.string().nullable(),
  /** Requested values of the list parameter that matched nothing, or null when none was requested or all matched. */
  unmatchedValues: UnmatchedValuesSchema.nullable(),
  /** Explanation of the bounds and of what a MAY_PASS verdict leaves open. */
  method: z.string(),
});
export type SuppressionEstimate = z.infer<typeof SuppressionEstimateSchema>;

/** A run request checked as a submission would be, with its suppression estimate. */
export const RunPreviewSchema = z.object({
  cleanRoom: z.object({ id: z.uuid(), displayId: z.string(), name: z.string() }),
  question: z.object({
    id: z.uuid(),
    displayId: z.string(),
    template: z.string(),
    name: z.string(),
  }),
  /** Validated parameters with defaults filled in, as the run would store them. */
  parameters: z.record(z.string(), z.unknown()),
  datasets: z.array(
    z.object({
      macro: z.string(),
      datasetId: z.uuid(),
      name: z.string(),
      ownerOrganization: z.object({ id: z.uuid(), name: z.string() }),
    }),
  ),
  privacy: RunPrivacySchema,
  estimate: SuppressionEstimateSchema,
});
export type RunPreview = z.infer<typeof RunPreviewSchema>;
