import { cacheKey, cacheTags } from '../../adapters/cache/cache-keys.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { Question } from '../../domain/questions/question-view.ts';
import { loadCleanRoom } from '../clean-rooms/load-clean-room.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toQuestionView } from './question-view.ts';

/** Lists every approved question of the platform; the catalog is the same for every organization. */
export async function listQuestions(context: ServiceContext): Promise<Question[]> {
  return context.cache.getOrSet({
    key: cacheKey('questions', null),
    kind: 'list',
    tags: [cacheTags.questionCatalog()],
    load: async () => (await repositories(context.db).questions.list()).map(toQuestionView),
  });
}

/** Lists the questions added to a clean room the caller is a partner of. */
export async function listCleanRoomQuestions(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
): Promise<Question[]> {
  const cached = await context.cache.getOrSet({
    key: cacheKey('clean-room-questions', caller.organizationId, cleanRoomRef),
    kind: 'list',
    tags: ({ cleanRoomId }) => [cacheTags.cleanRoom(cleanRoomId), cacheTags.questionCatalog()],
    load: async () => {
      const repos = repositories(context.db);
      const room = await loadCleanRoom(repos, caller, cleanRoomRef);
      const questions = (await repos.questions.listForRoom(room.id)).map(toQuestionView);
      return { cleanRoomId: room.id, questions };
    },
  });
  return cached.questions;
}
