import type { Caller } from '../../domain/organizations/caller.ts';
import type { Question } from '../../domain/questions/question-view.ts';
import { loadCleanRoom } from '../clean-rooms/load-clean-room.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toQuestionView } from './question-view.ts';

/** Lists every approved question of the platform. */
export async function listQuestions(context: ServiceContext): Promise<Question[]> {
  return (await repositories(context.db).questions.list()).map(toQuestionView);
}

/** Lists the questions added to a clean room the caller is a partner of. */
export async function listCleanRoomQuestions(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
): Promise<Question[]> {
  const repos = repositories(context.db);
  const room = await loadCleanRoom(repos, caller, cleanRoomRef);
  return (await repos.questions.listForRoom(room.id)).map(toQuestionView);
}
