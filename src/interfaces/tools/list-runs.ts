import { z } from 'zod';
import { QuestionRunSchema, RunStatusSchema } from '../../domain/runs/question-run.ts';
import { listRuns } from '../../services/runs/list-runs.ts';
import { cleanRoomsById } from './clean-room-label.ts';
import { lenientInput } from './lenient-input.ts';
import { resolveCleanRoomArgument } from './resolve-clean-room-argument.ts';
import { defineTool } from './tool-definition.ts';
import { READ_ONLY_ANNOTATIONS, toolFields } from './tool-fields.ts';
import { formatTable, joinBlocks } from './tool-text.ts';
import { countText } from '../../domain/text/count-text.ts';

const PAGE_SIZE_DEFAULT = 20;
const PAGE_SIZE_MAX = 100;

export const listRunsTool = defineTool({
  name: 'list_runs',
  title: 'List question runs',
  description:
    "Lists runs of your clean rooms, newest first, every partner's, optionally of one room or one status. Use it to find an earlier result instead of running a question again. Next: get_run or get_results with a runId.",
  inputSchema: lenientInput({
    cleanRoomId: toolFields.cleanRoomId
      .optional()
      .describe('Only runs of this clean room: its id, display id or exact name.'),
    status: RunStatusSchema.optional().describe('Only runs in this status.'),
    cursor: toolFields.cursor,
    limit: toolFields.limit(PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX),
  }),
  outputSchema: z.object({ items: z.array(QuestionRunSchema), nextCursor: z.string().nullable() }),
  annotations: READ_ONLY_ANNOTATIONS,

  async handler(input, { services, caller }) {
    const cleanRoomId =
      input.cleanRoomId === undefined
        ? undefined
        : await resolveCleanRoomArgument(services, caller, input.cleanRoomId);
    const page = await listRuns(services, caller, {
      cleanRoomId,
      status: input.status,
      cursor: input.cursor,
      limit: input.limit ?? PAGE_SIZE_DEFAULT,
    });
    if (page.items.length === 0) return { structuredContent: page, text: 'No runs match.' };

    const rooms = await cleanRoomsById(
      services,
      caller,
      page.items.map((run) => run.cleanRoomId),
    );
    const table = formatTable(
      [
        'runId',
        'name',
        'cleanRoom',
        'cleanRoomName',
        'question',
        'status',
        'progress',
        'submittedAt',
      ],
      page.items.map((run) => [
        run.id,
        run.name,
        rooms.get(run.cleanRoomId)?.displayId,
        rooms.get(run.cleanRoomId)?.name,
        run.questionDisplayId,
        run.status,
        run.progress,
        run.submittedAt,
      ]),
    );
    const more = page.nextCursor ? 'More runs exist: pass nextCursor.' : '';
    return {
      structuredContent: page,
      text: joinBlocks([`${countText(page.items.length, 'run')}:`, table, more]),
    };
  },
});
