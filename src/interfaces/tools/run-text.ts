import type { QuestionRun } from '../../domain/runs/question-run.ts';
import { escapeMarkdown } from '../../domain/text/escape-markdown.ts';

/** Describes a run in one line for people: name, status, progress and id. */
export function describeRun(run: QuestionRun): string {
  const progress = run.status === 'RUNNING' ? ` (${run.progress}%)` : '';
  return `Run "${escapeMarkdown(run.name)}" of ${run.questionDisplayId} is ${run.status}${progress}; runId ${run.id}.`;
}

/** Suggests a model's next step for a run in its current status. */
export function nextStepForRun(run: QuestionRun): string {
  switch (run.status) {
    case 'QUEUED':
    case 'RUNNING':
      return 'Call get_run with this runId in a few seconds to follow it, or start_run again with the same idempotencyKey and waitSeconds to wait for it.';
    case 'COMPLETED':
      return 'Call get_results with this runId to read the result.';
    case 'FAILED':
      return run.isRetryable
        ? `It failed: ${failureReasonOf(run)}. The failure may be temporary; start the run again with a new idempotencyKey.`
        : `It failed: ${failureReasonOf(run)}. Fix the cause before starting it again.`;
    case 'CANCELLED':
      return 'It was cancelled and has no result; start a new run to get one.';
  }
}

/** The run's failure reason escaped for markdown, because it may quote data values. */
function failureReasonOf(run: QuestionRun): string {
  return run.failureReason === null ? 'no reason recorded' : escapeMarkdown(run.failureReason);
}
