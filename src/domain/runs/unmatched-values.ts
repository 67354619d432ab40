import { z } from 'zod';

/**
 * Why requested list values are reported as matching nothing:
 * - NO_ROWS: they match no row of the dimension's dataset, which the
 *   caller's organization owns, so saying so reveals nothing of a partner.
 * - NONE_MAY_PASS: a preview over another organization's data. The values
 *   have no segment that can reach the crowd size. Whether they match no row
 *   or fewer people than the crowd size is withheld, because that would
 *   describe the partner's rows under the crowd size.
 * - NONE_RELEASED: a run over another organization's data released no row
 *   for the values. Again, whether they match no row or were suppressed is
 *   withheld.
 */
export const UnmatchedReasonSchema = z.enum(['NO_ROWS', 'NONE_MAY_PASS', 'NONE_RELEASED']);
export type UnmatchedReason = z.infer<typeof UnmatchedReasonSchema>;

/** Values of a list parameter, such as campaign_ids, that matched nothing the result can show. */
export const UnmatchedValuesSchema = z.object({
  /** Name of the list parameter, such as campaign_ids. */
  parameter: z.string(),
  /** The requested values that matched nothing, in request order. */
  values: z.array(z.string()),
  reason: UnmatchedReasonSchema,
  /** Macro of the dataset the values were looked up in, such as @exposures. */
  macro: z.string(),
  /** Sentence naming the values, the reason and what to check. */
  message: z.string(),
});
export type UnmatchedValues = z.infer<typeof UnmatchedValuesSchema>;

/** Facts of an UnmatchedValues, from which its message is built. */
export interface UnmatchedValuesFacts {
  parameter: string;
  /** Label of the parameter as forms show it, such as Campaigns. */
  label: string;
  values: string[];
  reason: UnmatchedReason;
  macro: string;
  crowdSize: number;
}

/** Builds the report of unmatched values, or null when every requested value matched. */
export function unmatchedValues(facts: UnmatchedValuesFacts): UnmatchedValues | null {
  if (facts.values.length === 0) return null;

  const { parameter, values, reason, macro } = facts;
  return { parameter, values, reason, macro, message: unmatchedMessage(facts) };
}

function unmatchedMessage({
  label,
  values,
  reason,
  macro,
  crowdSize,
}: UnmatchedValuesFacts): string {
  const single = values.length === 1;
  const quoted = values.map((value) => JSON.stringify(value)).join(', ');
  const subject = `${single ? 'Value' : 'Values'} ${quoted} of ${label}`;
  const matchVerb = single ? 'it matches' : 'each matches';
  const check = `Check ${single ? 'the value' : 'each value'} and the other parameters, such as the date range.`;
  switch (reason) {
    case 'NO_ROWS':
      return `${subject} ${single ? 'matches' : 'match'} no rows of your ${macro} dataset for these parameters. ${check}`;
    case 'NONE_MAY_PASS':
      return `${subject} cannot reach the crowd size of ${crowdSize}: in the partner's ${macro} dataset ${matchVerb} no rows or fewer people for these parameters, and the preview does not say which. ${check}`;
    case 'NONE_RELEASED':
      return `${subject} released no rows: ${matchVerb} no rows of the partner's ${macro} dataset, or fewer people than the crowd size of ${crowdSize} once matched, and the result does not say which. ${check}`;
  }
}
