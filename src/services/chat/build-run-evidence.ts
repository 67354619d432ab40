import type { RunEvidence } from '../../domain/chat/chat-stream-event.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { getCleanRoom } from '../clean-rooms/get-clean-room.ts';
import { getQuestion } from '../questions/get-question.ts';
import { getRunResults } from '../runs/get-run-results.ts';
import { getRun } from '../runs/get-run.ts';
import type { ServiceContext } from '../service-context.ts';

/**
 * Builds the evidence of a run from the services, never from a model's
 * text: the run, its question and parameters, the privacy settings the run
 * applied (copied from its clean room when it started), and once completed
 * the rows released and suppressed.
 */
export async function buildRunEvidence(
  context: ServiceContext,
  caller: Caller,
  runId: string,
): Promise<RunEvidence> {
  const run = await getRun(context, caller, runId);
  const [room, question] = await Promise.all([
    getCleanRoom(context, caller, run.cleanRoomId),
    getQuestion(context, run.questionId),
  ]);
  const result =
    run.status === 'COMPLETED' ? await getRunResults(context, caller, run.id, { limit: 1 }) : null;

  return {
    runId: run.id,
    cleanRoomId: run.cleanRoomId,
    cleanRoomName: room.name,
    questionId: run.questionId,
    questionName: question.name,
    parameters: run.parameters,
    privacy: {
      crowdSize: run.privacy.crowdSize,
      noiseScale: run.privacy.noise.enabled ? run.privacy.noise.scale : null,
    },
    status: run.status,
    rowsReleased: result?.rowCount ?? null,
    rowsSuppressed: result?.suppressedRowCount ?? null,
  };
}
