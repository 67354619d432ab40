import type { Caller } from '../../domain/organizations/caller.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { QuestionDefinition } from '../../domain/questions/question-definition.ts';
import { validateParameters } from '../../domain/questions/validate-parameters.ts';
import type { CreateRunRequest } from '../../domain/runs/question-run.ts';
import type { CleanRoomRow } from '../../adapters/storage/repositories/clean-rooms-repository.ts';
import type { DatasetRow } from '../../adapters/storage/repositories/datasets-repository.ts';
import type { QuestionRow } from '../../adapters/storage/repositories/questions-repository.ts';
import { loadCleanRoom, requireRole, requireWritable } from '../clean-rooms/load-clean-room.ts';
import { loadQuestion } from '../questions/get-question.ts';
import { definitionOf } from '../questions/question-view.ts';
import type { Repositories } from '../service-context.ts';
import { bindRunDatasets } from './bind-run-datasets.ts';

/** A run request that passed every check a submission makes, ready to be stored or previewed. */
export interface PreparedRun {
  room: CleanRoomRow;
  question: QuestionRow;
  definition: QuestionDefinition;
  /** Dataset bound to each macro of the question. */
  bound: Map<string, DatasetRow>;
  /** Validated parameters with defaults filled in. */
  parameters: Record<string, unknown>;
}

/**
 * Runs the checks of a run submission without storing anything: the caller's
 * role, the room's state, the question, the dataset binding and the
 * parameters. Submitting and previewing share it, so a preview that passes
 * means the submission passes too.
 */
export async function prepareRun(
  repos: Repositories,
  caller: Caller,
  cleanRoomRef: string,
  request: Pick<CreateRunRequest, 'questionId' | 'parameters' | 'datasets'>,
): Promise<PreparedRun> {
  const room = await loadCleanRoom(repos, caller, cleanRoomRef);
  requireRole(room, ['OWNER', 'ANALYST'], 'running questions');
  requireWritable(room);
  requireActive(room);
  const question = await loadQuestion(repos, request.questionId);
  if (!(await repos.questions.isInRoom(room.id, question.id))) {
    throw new AppError(
      'QUESTION_NOT_FOUND',
      `Question ${question.display_id} is not added to clean room ${room.display_id}.`,
      {
        details: { questionId: request.questionId },
      },
    );
  }

  const definition = definitionOf(question);
  const bound = await bindRunDatasets(repos, caller, room, definition, request.datasets);
  const columnsByMacro = new Map([...bound].map(([macro, dataset]) => [macro, dataset.columns]));
  const parameters = validateParameters(definition, request.parameters, columnsByMacro);
  return { room, question, definition, bound, parameters };
}

function requireActive(room: CleanRoomRow): void {
  if (room.status === 'ACTIVE') return;

  throw new AppError(
    'CLEAN_ROOM_READ_ONLY',
    `Clean room ${room.display_id} is ${room.status}; an owner must set it ACTIVE before runs can start.`,
  );
}
