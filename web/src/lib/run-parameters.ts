import type { QuestionRun } from '../../../src/domain/runs/question-run.ts';

/** List values a one-line summary shows before it counts the rest. */
const SUMMARY_LIST_VALUES = 3;

/** Formats a stored parameter value for reading: lists joined with commas, an unset value as null. */
export function parameterText(value: unknown, maxListValues = Infinity): string | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) return String(value);

  const listed = value.slice(0, maxListValues).map(String).join(', ');
  const hidden = value.length - Math.min(value.length, maxListValues);
  return hidden > 0 ? `${listed} and ${hidden.toLocaleString()} more` : listed;
}

/**
 * Lists the run's parameters as label and text pairs, in the question's
 * order, which parameterLabels keeps. The stored parameters are JSONB, whose key
 * order PostgreSQL does not keep.
 */
export function labeledParameters(
  run: Pick<QuestionRun, 'parameters' | 'parameterLabels'>,
  maxListValues = Infinity,
): { name: string; label: string; text: string | null }[] {
  const labeled = Object.keys(run.parameterLabels);
  const unlabeled = Object.keys(run.parameters).filter((name) => !(name in run.parameterLabels));
  return [...labeled, ...unlabeled]
    .filter((name) => name in run.parameters)
    .map((name) => ({
      name,
      label: run.parameterLabels[name] ?? name,
      text: parameterText(run.parameters[name], maxListValues),
    }));
}

/**
 * Builds one line naming the run's set parameters, such as "First day 2026-11-06 ·
 * Campaigns CMP-001, CMP-002". The runs list renders it per visible row, so
 * it stays a few string operations.
 */
export function runParameterSummary(
  run: Pick<QuestionRun, 'parameters' | 'parameterLabels'>,
): string {
  const parts = labeledParameters(run, SUMMARY_LIST_VALUES)
    .filter((parameter) => parameter.text !== null)
    .map((parameter) => `${parameter.label} ${parameter.text}`);
  return parts.length === 0 ? 'No parameters' : parts.join(' · ');
}
