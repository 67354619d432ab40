import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { QuestionRun } from '../../domain/runs/question-run.ts';
import { loadCleanRoom, requireRole } from '../clean-rooms/load-clean-room.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { loadRun } from './get-run.ts';
import { publishRunEvent } from './publish-run-event.ts';
import { toRunView } from './run-view.ts';

/**
 * Cancels a queued or running run. A running run in this process stops at
 * once; one in another worker process stops at its next progress check.
 */
export async function cancelRun(
  context: ServiceContext,
  caller: Caller,
  runId: string,
): Promise<QuestionRun> {
  const repos = repositories(context.db);
  const run = await loadRun(repos, caller, runId);
  const room = await loadCleanRoom(repos, caller, run.clean_room_id);
  if (run.organization_id !== caller.organizationId)
    requireRole(room, ['OWNER'], "cancelling another partner's run");

  const cancelled = await repos.runs.cancel(run.id);
  if (!cancelled) {
    throw new AppError(
      'RUN_NOT_CANCELLABLE',
      `Run ${run.id} is ${run.status}; only QUEUED or RUNNING runs can be cancelled.`,
      {
        details: { runId: run.id, status: run.status },
      },
    );
  }

  context.runSignals.abort(run.id, 'cancelled by user');
  await publishRunEvent(context, run, 'CANCELLED', cancelled.progress);
  await repos.audit.record(caller, {
    action: 'run.cancel',
    objectType: 'question_run',
    objectId: run.id,
    cleanRoomId: room.id,
  });
  return toRunView(cancelled);
}
