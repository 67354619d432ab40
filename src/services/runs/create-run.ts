import { randomUUID } from 'node:crypto';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { CreateRunRequest, QuestionRun } from '../../domain/runs/question-run.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { RunRow } from '../../adapters/storage/repositories/runs-repository.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { prepareRun } from './prepare-run.ts';
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
  const { room, question, bound, parameters } = await prepareRun(
    repos,
    caller,
    cleanRoomRef,
    request,
  );

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
  } else {
    requireSameRequest(outcome.row, {
      cleanRoomId: room.id,
      questionId: question.id,
      parameters,
      bindings: Object.fromEntries([...bound].map(([macro, dataset]) => [macro, dataset.id])),
    });
  }
  return { run: toRunView(outcome.row), created: outcome.created };
}

/**
 * Rejects an idempotency key reused for a different request: returning the
 * first run would silently answer another question than the one asked.
 */
function requireSameRequest(
  existing: RunRow,
  request: {
    cleanRoomId: string;
    questionId: string;
    parameters: Record<string, unknown>;
    bindings: Record<string, string>;
  },
): void {
  const same =
    existing.clean_room_id === request.cleanRoomId &&
    existing.question_id === request.questionId &&
    canonicalJson(existing.parameters) === canonicalJson(request.parameters) &&
    canonicalJson(existing.dataset_bindings) === canonicalJson(request.bindings);
  if (same) return;

  throw new AppError(
    'CONFLICT',
    `Idempotency key "${existing.idempotency_key}" was already used for run ${existing.id} with another question, clean room, parameters or datasets; send a new key for a new request.`,
    { details: { field: 'idempotencyKey', runId: existing.id } },
  );
}

/** JSON with object keys sorted, so two values compare equal whatever order jsonb returned. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner).sort(([left], [right]) => left.localeCompare(right)),
        )
      : inner,
  );
}
