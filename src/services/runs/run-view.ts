import { findQuestionDefinition } from '../../domain/questions/catalog.ts';
import type { QuestionRun } from '../../domain/runs/question-run.ts';
import type { RunRow } from '../../adapters/storage/repositories/runs-repository.ts';
import { toIso, toIsoOrNull } from '../../adapters/storage/repositories/row-mapping.ts';

/** Labels by parameter name, from the approved definition of the run's question. */
function parameterLabels(template: string): Record<string, string> {
  const parameters = findQuestionDefinition(template)?.parameters ?? [];
  return Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.displayName]));
}

export function toRunView(row: RunRow): QuestionRun {
  return {
    id: row.id,
    name: row.name,
    cleanRoomId: row.clean_room_id,
    cleanRoom: {
      id: row.clean_room_id,
      displayId: row.clean_room_display_id,
      name: row.clean_room_name,
    },
    questionId: row.question_id,
    questionDisplayId: row.question_display_id,
    questionName: row.question_name,
    status: row.status,
    progress: row.progress,
    parameters: row.parameters,
    parameterLabels: parameterLabels(row.question_template),
    datasets: row.dataset_bindings,
    boundDatasets: row.bound_datasets,
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
