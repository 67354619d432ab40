import type { QuestionRun } from '../../domain/runs/question-run.ts';

/** Describes a run in one line for people: name, status, progress and id. */
export function describeRun(run: QuestionRun): string {
  const progress = run.status === 'RUNNING' ? ` (${run.progress}%)` : '';
  return `Run "${run.name}" of ${run.questionDisplayId} is ${run.status}${progress}; runId ${run.id}.`;
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
        ? `It failed: ${run.failureReason ?? 'no reason recorded'}. The failure may be temporary; start the run again with a new idempotencyKey.`
        : `It failed: ${run.failureReason ?? 'no reason recorded'}. Fix the cause before starting it again.`;
    case 'CANCELLED':
      return 'It was cancelled and has no result; start a new run to get one.';
  }
}
