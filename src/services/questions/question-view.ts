import { AppError } from '../../domain/errors/app-error.ts';
import { questionCatalog } from '../../domain/questions/catalog.ts';
import type { QuestionDefinition } from '../../domain/questions/question-definition.ts';
import type { Question } from '../../domain/questions/question-view.ts';
import type { QuestionRow } from '../../adapters/storage/repositories/questions-repository.ts';

/** Returns the approved definition behind a stored question. */
export function definitionOf(row: QuestionRow): QuestionDefinition {
  const definition = questionCatalog.find((candidate) => candidate.template === row.template);
  if (!definition) {
    throw new AppError(
      'INTERNAL',
      `Question ${row.display_id} uses template ${row.template}, which this server does not have.`,
    );
  }
  return definition;
}

export function toQuestionView(row: QuestionRow): Question {
  const definition = definitionOf(row);
  return {
    id: row.id,
    displayId: row.display_id,
    template: row.template,
    name: row.name,
    description: row.description,
    category: row.category,
    questionType: row.question_type,
    version: row.version,
    status: row.status,
    parameters: definition.parameters,
    datasetMacros: definition.datasetMacros,
    outputColumns: definition.outputColumns,
  };
}
