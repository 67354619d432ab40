import { randomUUID } from 'node:crypto';
import { questionCatalog } from '../../domain/questions/catalog.ts';
import type { Queryable } from '../../adapters/storage/database.ts';
import { repositories } from '../service-context.ts';

/** Stores every approved question of the catalog; run at each start, so new versions replace old ones. */
export async function installQuestionCatalog(db: Queryable): Promise<void> {
  const { questions } = repositories(db);
  for (const definition of questionCatalog) {
    await questions.upsert({
      id: randomUUID(),
      template: definition.template,
      version: definition.version,
      name: definition.name,
      description: definition.description,
      category: definition.category,
      question_type: definition.questionType,
    });
  }
}
