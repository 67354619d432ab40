import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { QuestionRun } from '../../domain/runs/question-run.ts';
import type { RunRow } from '../../adapters/storage/repositories/runs-repository.ts';
import { repositories, type Repositories, type ServiceContext } from '../service-context.ts';
import { toRunView } from './run-view.ts';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Returns a run of a clean room the caller is a partner of. */
export async function getRun(
  context: ServiceContext,
  caller: Caller,
  runId: string,
): Promise<QuestionRun> {
  return toRunView(await loadRun(repositories(context.db), caller, runId));
}

export async function loadRun(repos: Repositories, caller: Caller, runId: string): Promise<RunRow> {
  const row = UUID_PATTERN.test(runId)
    ? await repos.runs.findVisible(caller.organizationId, runId)
    : undefined;
  if (row) return row;

  throw new AppError(
    'RUN_NOT_FOUND',
    `Question run "${runId}" was not found among the runs of your clean rooms; list them with GET /api/v1/runs.`,
    {
      details: { runId },
    },
  );
}
