import type { Caller } from '../../domain/organizations/caller.ts';
import {
  decodeTimeKeyset,
  resolvePageSize,
  toPage,
  type Page,
  type PageQuery,
} from '../../domain/pagination/page.ts';
import type { QuestionRun, RunStatus } from '../../domain/runs/question-run.ts';
import { toIso } from '../../adapters/storage/repositories/row-mapping.ts';
import { loadCleanRoom } from '../clean-rooms/load-clean-room.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toRunView } from './run-view.ts';

export interface ListRunsQuery extends PageQuery {
  status?: RunStatus;
  cleanRoomId?: string;
}

/** Lists the runs of the caller's clean rooms, newest first, optionally of one room or status. */
export async function listRuns(
  context: ServiceContext,
  caller: Caller,
  query: ListRunsQuery,
): Promise<Page<QuestionRun>> {
  const repos = repositories(context.db);
  const room = query.cleanRoomId
    ? await loadCleanRoom(repos, caller, query.cleanRoomId)
    : undefined;
  const limit = resolvePageSize(query.limit, context.settings.pageSizeMax);
  const after = decodeTimeKeyset(query.cursor);
  const rows = await repos.runs.listVisible(caller.organizationId, {
    status: query.status,
    cleanRoomId: room?.id,
    after: after && { submittedAt: after.at, id: after.id },
    limit,
  });
  return toPage(rows, limit, toRunView, (row) => [toIso(row.submitted_at), row.id]);
}
