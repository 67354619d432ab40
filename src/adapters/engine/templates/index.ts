import { attributionTemplate } from './attribution.ts';
import { audienceOverlapTemplate } from './audience-overlap.ts';
import type { QuestionTemplate } from './question-template.ts';
import { reachFrequencyTemplate } from './reach-frequency.ts';
import { segmentSizingTemplate } from './segment-sizing.ts';

/** DuckDB templates by question template key; each key matches a definition in the question catalog. */
export const questionTemplates: ReadonlyMap<string, QuestionTemplate> = new Map(
  [audienceOverlapTemplate, reachFrequencyTemplate, attributionTemplate, segmentSizingTemplate].map(
    (template) => [template.template, template],
  ),
);
