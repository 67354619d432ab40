import { AppError, isAppError } from '../../domain/errors/app-error.ts';
import type { RunJob, RunJobContext } from '../../adapters/queue/job-queue.ts';
import type { BoundDataset, QuestionResult } from '../../adapters/engine/engine.ts';
import type { RunRow } from '../../adapters/storage/repositories/runs-repository.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import type { UnmatchedValues } from '../../domain/runs/unmatched-values.ts';
import { findUnmatchedValues } from './find-unmatched-values.ts';
import { publishRunEvent } from './publish-run-event.ts';

/**
 * Executes one queued run on the engine (the worker's job handler). Every
 * write is fenced by the attempt number, so a run picked up again after its
 * worker died completes exactly once, and a cancellation always wins.
 * Throwing asks the queue to retry the job.
 */
export async function executeRun(
  context: ServiceContext,
  job: RunJob,
  jobContext: RunJobContext,
): Promise<void> {
  const repos = repositories(context.db);
  const run = await repos.runs.claim(job.runId);
  const log = context.log.child({ runId: job.runId, jobId: jobContext.jobId });
  if (!run) {
    log.info('run already finished or cancelled; job dropped');
    return;
  }

  log.info({ attempt: run.attempt, template: run.question_template }, 'run started');
  await publishRunEvent(context, run, 'RUNNING', 0);
  const controller = context.runSignals.register(run.id);
  try {
    const { result, unmatchedValues } = await runOnEngine(context, run, controller.signal);
    await storeResult(context, run, result, unmatchedValues);
    log.info({ rows: result.rows.length, suppressed: result.suppressedRowCount }, 'run completed');
  } catch (error) {
    await recordFailure(context, run, jobContext, error);
  } finally {
    context.runSignals.release(run.id);
  }
}

/** A run's result with the requested list values it shows nothing for. */
interface EngineOutcome {
  result: QuestionResult;
  unmatchedValues: UnmatchedValues | null;
}

async function runOnEngine(
  context: ServiceContext,
  run: RunRow,
  signal: AbortSignal,
): Promise<EngineOutcome> {
  const { datasets, ownMacros } = await loadBoundDatasets(context, run);
  const result = await runQuestion(context, run, datasets, signal);
  const unmatchedValues = await findUnmatchedValues(context, {
    run,
    datasets,
    ownMacros,
    result,
    signal,
  }).catch((error: unknown) => {
    if (signal.aborted) throw error;
    // The result is stored without the report, which only explains missing rows.
    context.log.warn(
      { err: error, runId: run.id },
      'unmatched values not found; result stored without them',
    );
    return null;
  });
  return { result, unmatchedValues };
}

function runQuestion(
  context: ServiceContext,
  run: RunRow,
  datasets: BoundDataset[],
  signal: AbortSignal,
): Promise<QuestionResult> {
  const repos = repositories(context.db);
  return context.engine.runQuestion({
    template: run.question_template,
    parameters: run.parameters,
    datasets,
    privacy: { ...run.privacy, noiseSeed: null },
    maxRows: context.settings.resultRowsMax,
    signal,
    onProgress: async (percent) => {
      // 100 is published with COMPLETED, once the result is stored.
      const progress = Math.min(99, Math.round(percent));
      const owned = await repos.runs.updateProgress(run.id, run.attempt, progress);
      if (owned) await publishRunEvent(context, run, 'RUNNING', progress);
      else context.runSignals.abort(run.id, 'run cancelled or taken over by another attempt');
    },
  });
}

/**
 * Re-checks at execution time that every bound dataset is still attached and
 * its owner still a partner: either may have changed since submission.
 */
async function loadBoundDatasets(
  context: ServiceContext,
  run: RunRow,
): Promise<{ datasets: BoundDataset[]; ownMacros: string[] }> {
  const repos = repositories(context.db);
  const partners = new Set(
    (await repos.partners.listForRoom(run.clean_room_id)).map((partner) => partner.organization_id),
  );
  const datasets: BoundDataset[] = [];
  const ownMacros: string[] = [];
  for (const [macro, datasetId] of Object.entries(run.dataset_bindings)) {
    const dataset = await repos.datasets.findAttached(run.clean_room_id, datasetId);
    if (!dataset || !partners.has(dataset.organization_id)) {
      throw new AppError(
        'DATASET_NOT_ATTACHED',
        `Dataset ${datasetId} bound to ${macro} is no longer attached by a partner of the clean room.`,
      );
    }
    datasets.push({
      macro,
      datasetId,
      location: dataset.storage_location,
      columns: dataset.columns,
    });
    if (dataset.organization_id === run.organization_id) ownMacros.push(macro);
  }
  return { datasets, ownMacros };
}

async function storeResult(
  context: ServiceContext,
  run: RunRow,
  result: QuestionResult,
  unmatchedValues: UnmatchedValues | null,
): Promise<void> {
  const stored = await context.db.transaction(async (tx) => {
    const repos = repositories(tx);
    if (!(await repos.runs.markCompleted(run.id, run.attempt))) return false;

    await repos.results.insert({
      runId: run.id,
      columns: result.columns,
      rows: result.rows,
      suppressedRowCount: result.suppressedRowCount,
      noiseApplied: result.noiseApplied,
      privacy: { crowdSize: result.privacy.crowdSize, noise: result.privacy.noise },
      unmatchedValues,
    });
    return true;
  });
  if (stored) await publishRunEvent(context, run, 'COMPLETED', 100);
}

/** Fails the run for good, or puts it back in the queue and rethrows so the queue retries it. */
async function recordFailure(
  context: ServiceContext,
  run: RunRow,
  jobContext: RunJobContext,
  error: unknown,
): Promise<void> {
  const repos = repositories(context.db);
  const log = context.log.child({ runId: run.id, jobId: jobContext.jobId, attempt: run.attempt });
  if ((await repos.runs.status(run.id)) === 'CANCELLED') {
    log.info('run cancelled while executing');
    return;
  }

  const retryable = isRetryable(error);
  const reason = failureReason(error);
  if (retryable && jobContext.retryCount < jobContext.retryLimit) {
    log.warn({ err: error, retryCount: jobContext.retryCount }, 'run attempt failed; retrying');
    if (await repos.runs.markRequeued(run.id, run.attempt, reason))
      await publishRunEvent(context, run, 'QUEUED', 0);
    throw error;
  }

  log.error({ err: error }, 'run failed');
  if (await repos.runs.markFailed(run.id, run.attempt, reason, retryable)) {
    await publishRunEvent(context, run, 'FAILED', run.progress);
  }
}

/** Errors from our own checks are final; anything unexpected (I/O, a dropped connection) may pass on retry. */
function isRetryable(error: unknown): boolean {
  if (isAppError(error)) return error.retryable;
  return !(error instanceof Error && error.name === 'AbortError');
}

function failureReason(error: unknown): string {
  if (isAppError(error)) return `${error.code}: ${error.userMessage}`;
  return 'The engine failed while executing the question; the run can be submitted again.';
}
