import type { QuestionRun } from '../../domain/runs/question-run.ts';
import type { RunRow } from '../../adapters/storage/repositories/runs-repository.ts';
import { toIso, toIsoOrNull } from '../../adapters/storage/repositories/row-mapping.ts';

export function toRunView(row: RunRow): QuestionRun {
  return {
    id: row.id,
    name: row.name,
    cleanRoomId: row.clean_room_id,
    questionId: row.question_id,
    questionDisplayId: row.question_display_id,
    status: row.status,
    progress: row.progress,
    parameters: row.parameters,
    datasets: row.dataset_bindings,
    privacy: row.privacy,
    submittedBy: { organizationId: row.organization_id, userId: row.user_id },
    submittedAt: toIso(row.submitted_at),
    startedAt: toIsoOrNull(row.started_at),
    completedAt: toIsoOrNull(row.completed_at),
    failureReason: row.failure_reason,
    isRetryable: row.is_retryable,
    attempt: row.attempt,
  };
}
