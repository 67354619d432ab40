import type {
  DatasetMacro,
  QuestionParameter,
} from '../../domain/questions/question-definition.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type {
  CleanRoomQuestion,
  MacroCandidates,
} from '../../domain/questions/clean-room-question.ts';
import { attributeColumnNames } from '../../domain/questions/validate-parameters.ts';
import type { DatasetRow } from '../../adapters/storage/repositories/datasets-repository.ts';
import { loadCleanRoom } from '../clean-rooms/load-clean-room.ts';
import { fittingDatasets } from '../runs/bind-run-datasets.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { loadQuestion } from './get-question.ts';
import { definitionOf, toQuestionView } from './question-view.ts';

/**
 * Returns a question as a run in the given clean room would see it: each
 * dataset macro with the attached datasets that fit it, and each COLUMN
 * parameter with the attribute columns of those datasets as allowed values.
 */
export async function getCleanRoomQuestion(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
  questionRef: string,
): Promise<CleanRoomQuestion> {
  const repos = repositories(context.db);
  const room = await loadCleanRoom(repos, caller, cleanRoomRef);
  const row = await loadQuestion(repos, questionRef);
  if (!(await repos.questions.isInRoom(room.id, row.id))) {
    throw new AppError(
      'QUESTION_NOT_FOUND',
      `Question ${row.display_id} is not added to clean room ${room.display_id}; list the room's questions to choose another.`,
      { details: { questionId: questionRef, cleanRoomId: room.id } },
    );
  }

  const attached = await repos.datasets.listForRoom(room.id);
  const fitting = new Map(
    definitionOf(row).datasetMacros.map((macro) => [
      macro.macro,
      fittingDatasets(macro, attached, caller),
    ]),
  );
  const question = toQuestionView(row);
  return {
    question: {
      ...question,
      parameters: question.parameters.map((parameter) => withColumnChoices(parameter, fitting)),
    },
    datasetBindings: question.datasetMacros.map((macro) =>
      toMacroCandidates(macro, fitting.get(macro.macro) ?? []),
    ),
  };
}

function toMacroCandidates(macro: DatasetMacro, datasets: DatasetRow[]): MacroCandidates {
  return {
    macro: macro.macro,
    description: macro.description,
    suppliedBy: macro.suppliedBy,
    candidates: datasets.map((dataset) => ({
      datasetId: dataset.id,
      name: dataset.name,
      ownerOrganization: { id: dataset.organization_id, name: dataset.organization_name },
    })),
    defaultDatasetId: datasets.length === 1 ? datasets[0]!.id : null,
  };
}

/**
 * Fills a COLUMN parameter's allowed values with the attribute columns of the
 * datasets its macro can take. With several candidates the list is their
 * union, and the dataset finally chosen decides which of them are valid.
 */
function withColumnChoices(
  parameter: QuestionParameter,
  fitting: Map<string, DatasetRow[]>,
): QuestionParameter {
  if (parameter.type !== 'COLUMN' || parameter.macro === null) return parameter;

  const datasets = fitting.get(parameter.macro) ?? [];
  const names = new Set(datasets.flatMap((dataset) => attributeColumnNames(dataset.columns)));
  return { ...parameter, allowedValues: [...names] };
}
