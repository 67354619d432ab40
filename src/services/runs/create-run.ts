import { randomUUID } from 'node:crypto';
import type { Caller } from '../../domain/organizations/caller.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import { validateParameters } from '../../domain/questions/validate-parameters.ts';
import type { CreateRunRequest, QuestionRun } from '../../domain/runs/question-run.ts';
import type { CleanRoomRow } from '../../adapters/storage/repositories/clean-rooms-repository.ts';
import { loadCleanRoom, requireRole, requireWritable } from '../clean-rooms/load-clean-room.ts';
import { loadQuestion } from '../questions/get-question.ts';
import { definitionOf } from '../questions/question-view.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { bindRunDatasets } from './bind-run-datasets.ts';
import { publishRunEvent } from './publish-run-event.ts';
import { toRunView } from './run-view.ts';

export interface CreateRunOutcome {
  run: QuestionRun;
  /** False when an earlier request with the same idempotency key created the run. */
  created: boolean;
}

/**
 * Submits a question run and returns at once with the QUEUED run. The run
 * row and its job commit in one transaction, then idle workers are woken.
 */
export async function createRun(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
  request: CreateRunRequest,
): Promise<CreateRunOutcome> {
  const repos = repositories(context.db);
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

  const outcome = await context.db.transaction(async (tx) => {
    const inserted = await repositories(tx).runs.insertOrGetExisting({
      id: randomUUID(),
      cleanRoomId: room.id,
      questionId: question.id,
      organizationId: caller.organizationId,
      userId: caller.userId,
      name:
        request.name ??
        `${question.name} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
      parameters,
      datasetBindings: Object.fromEntries(
        [...bound].map(([macro, dataset]) => [macro, dataset.id]),
      ),
      privacy: {
        crowdSize: room.crowd_size,
        noise: { enabled: room.noise_enabled, scale: room.noise_scale },
      },
      idempotencyKey: request.idempotencyKey ?? null,
    });
    if (inserted.created) {
      await context.queue.enqueueRun({ runId: inserted.row.id }, tx);
      await repositories(tx).audit.record(caller, {
        action: 'run.create',
        objectType: 'question_run',
        objectId: inserted.row.id,
        cleanRoomId: room.id,
        details: { questionId: question.id, parameters },
      });
    }
    return inserted;
  });

  if (outcome.created) {
    await publishRunEvent(context, outcome.row, 'QUEUED', 0);
    await context.queue.wake();
  }
  return { run: toRunView(outcome.row), created: outcome.created };
}

function requireActive(room: CleanRoomRow): void {
  if (room.status === 'ACTIVE') return;

  throw new AppError(
    'CLEAN_ROOM_READ_ONLY',
    `Clean room ${room.display_id} is ${room.status}; an owner must set it ACTIVE before runs can start.`,
  );
}
