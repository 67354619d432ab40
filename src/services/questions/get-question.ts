import { cacheKey, cacheTags } from '../../adapters/cache/cache-keys.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Question } from '../../domain/questions/question-view.ts';
import type { QuestionRow } from '../../adapters/storage/repositories/questions-repository.ts';
import { repositories, type Repositories, type ServiceContext } from '../service-context.ts';
import { toQuestionView } from './question-view.ts';

/** Returns an approved question with its parameter definitions, by id, display id or template key. */
export async function getQuestion(context: ServiceContext, reference: string): Promise<Question> {
  return context.cache.getOrSet({
    key: cacheKey('question', null, reference),
    kind: 'detail',
    tags: [cacheTags.questionCatalog()],
    load: async () => toQuestionView(await loadQuestion(repositories(context.db), reference)),
  });
}

export async function loadQuestion(repos: Repositories, reference: string): Promise<QuestionRow> {
  const row = await repos.questions.find(reference);
  if (row) return row;

  throw new AppError(
    'QUESTION_NOT_FOUND',
    `Question "${reference}" was not found; pass its id, display id (CRQ-000001) or template name.`,
    {
      details: { questionId: reference },
    },
  );
}
