import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import {
  decodeCursor,
  encodeCursor,
  resolvePageSize,
  type PageQuery,
} from '../../domain/pagination/page.ts';
import type { QuestionRunResult } from '../../domain/runs/question-run.ts';
import { countText } from '../../domain/text/count-text.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { loadRun } from './get-run.ts';

/** Returns one page of a completed run's result, with the privacy facts of the whole result. */
export async function getRunResults(
  context: ServiceContext,
  caller: Caller,
  runId: string,
  query: PageQuery,
): Promise<QuestionRunResult> {
  const repos = repositories(context.db);
  const run = await loadRun(repos, caller, runId);
  const header = run.status === 'COMPLETED' ? await repos.results.findHeader(run.id) : undefined;
  if (!header) throw resultNotReady(run.id, run.status, run.progress);

  const limit = resolvePageSize(query.limit, context.settings.pageSizeMax, 100);
  const offset = decodeOffset(query.cursor, header.row_count);
  const rows = await repos.results.readRows(run.id, offset, limit);
  const nextOffset = offset + rows.length;
  return {
    runId: run.id,
    columns: header.columns,
    rows,
    rowCount: header.row_count,
    suppressedRowCount: header.suppressed_row_count,
    noiseApplied: header.noise_applied,
    privacy: header.privacy,
    unmatchedValues: header.unmatched_values,
    offset,
    nextCursor: nextOffset < header.row_count ? encodeCursor([nextOffset]) : null,
  };
}

/**
 * Decodes a result cursor and checks its offset against the result's row
 * count, so an out-of-range offset is rejected here and never reaches SQL
 * (where an offset above the int4 range fails as a server error).
 */
function decodeOffset(cursor: string | undefined, rowCount: number): number {
  const offset = decodeCursor(cursor)?.[0] ?? 0;
  const isOffset = typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0;
  if (isOffset && offset <= rowCount) return offset;

  const reason = isOffset
    ? `points at row offset ${offset}, past the last row: this result has ${countText(rowCount, 'row')}, so valid offsets are 0 to ${rowCount}`
    : 'is not a result cursor';
  throw new AppError(
    'CURSOR_INVALID',
    `Cursor "${cursor}" ${reason}; pass the nextCursor of the previous page, or no cursor to start at the first row.`,
    {
      details: { cursor, rowCount },
    },
  );
}

function resultNotReady(runId: string, status: string, progress: number): AppError {
  const message =
    status === 'QUEUED' || status === 'RUNNING'
      ? `Run ${runId} is ${status} (${progress}%); its result exists once it is COMPLETED. Follow it with GET /api/v1/runs/${runId}.`
      : `Run ${runId} ended ${status}, so it has no result; submit the question again.`;
  return new AppError('RESULT_NOT_READY', message, { details: { runId, status, progress } });
}
