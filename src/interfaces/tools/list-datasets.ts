import { z } from 'zod';
import type { CleanRoom } from '../../domain/clean-rooms/clean-room.ts';
import { DatasetSchema, type Dataset } from '../../domain/datasets/dataset-view.ts';
import { getCleanRoom } from '../../services/clean-rooms/get-clean-room.ts';
import { listCleanRoomDatasets } from '../../services/datasets/list-clean-room-datasets.ts';
import { listDatasets } from '../../services/datasets/list-datasets.ts';
import { cleanRoomLabel } from './clean-room-label.ts';
import { lenientInput } from './lenient-input.ts';
import { resolveCleanRoomArgument } from './resolve-clean-room-argument.ts';
import { defineTool } from './tool-definition.ts';
import { READ_ONLY_ANNOTATIONS, toolFields } from './tool-fields.ts';
import { formatTable, joinBlocks } from './tool-text.ts';
import { countText } from '../../domain/text/count-text.ts';

const PAGE_SIZE_DEFAULT = 20;
const PAGE_SIZE_MAX = 100;

export const listDatasetsTool = defineTool({
  name: 'list_datasets',
  title: 'List datasets',
  description:
    "Lists the datasets attached to a clean room, every partner's, and optionally your organization's own datasets (attached or not). Each dataset shows its owner, data type (CRM, AUDIENCE, EXPOSURES, CONVERSIONS), row count and columns; identifier and PII columns are marked and can never be a result dimension, the other columns are attributes to break results down by. Rows themselves are never shown. Next: list_questions, then get_question to see which datasets a question binds.",
  inputSchema: lenientInput({
    cleanRoomId: toolFields.cleanRoomId
      .optional()
      .describe(
        'The clean room whose attached datasets to list (id or display id). Omit it to list only your own datasets.',
      ),
    includeOwn: z
      .boolean()
      .default(false)
      .describe("Also list your organization's own datasets, paged with cursor and limit."),
    cursor: toolFields.cursor.describe('nextCursor of the previous page of your own datasets.'),
    limit: toolFields.limit(PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX),
  }),
  outputSchema: z.object({
    cleanRoomId: z.string().nullable(),
    /** Datasets attached to the room; null when no room was given. */
    attached: z.array(DatasetSchema).nullable(),
    /** The caller's own datasets; null unless requested or no room was given. */
    own: z.object({ items: z.array(DatasetSchema), nextCursor: z.string().nullable() }).nullable(),
  }),
  annotations: READ_ONLY_ANNOTATIONS,

  async handler(input, { services, caller }) {
    const cleanRoomId =
      input.cleanRoomId === undefined
        ? null
        : await resolveCleanRoomArgument(services, caller, input.cleanRoomId);
    const room = cleanRoomId === null ? null : await getCleanRoom(services, caller, cleanRoomId);
    const attached = room ? await listCleanRoomDatasets(services, caller, room.id) : null;
    const own =
      input.includeOwn || cleanRoomId === null
        ? await listDatasets(services, caller, {
            cursor: input.cursor,
            limit: input.limit ?? PAGE_SIZE_DEFAULT,
          })
        : null;

    return {
      structuredContent: { cleanRoomId, attached, own },
      text: describeDatasets(room, attached, own),
    };
  },
});

function describeDatasets(
  room: CleanRoom | null,
  attached: Dataset[] | null,
  own: { items: Dataset[]; nextCursor: string | null } | null,
): string {
  const parts: string[] = [];
  if (room && attached) {
    const heading = `${countText(attached.length, 'dataset')} attached to ${cleanRoomLabel(room)}:`;
    parts.push(heading, formatDatasetTable(attached));
  }
  if (own) {
    const more = own.nextCursor ? 'More exist: pass nextCursor.' : '';
    parts.push(
      `${countText(own.items.length, 'dataset')} of your own:`,
      formatDatasetTable(own.items),
      more,
    );
  }
  return joinBlocks(parts);
}

function formatDatasetTable(datasets: Dataset[]): string {
  return formatTable(
    ['name', 'owner', 'dataType', 'rows', 'identifiers', 'attributes', 'id'],
    datasets.map((dataset) => [
      dataset.name,
      dataset.ownerOrganization.name,
      dataset.dataType,
      dataset.rowCount,
      columnNames(dataset, (column) => column.identifierType !== null),
      columnNames(dataset, (column) => column.identifierType === null && !column.isPii),
      dataset.id,
    ]),
  );
}

function columnNames(dataset: Dataset, include: (column: Dataset['columns'][number]) => boolean) {
  return dataset.columns
    .filter(include)
    .map((column) => column.name)
    .join(', ');
}
