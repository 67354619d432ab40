import { z } from 'zod';
import {
  CleanRoomSchema,
  CleanRoomStatusSchema,
  type CleanRoom,
} from '../../domain/clean-rooms/clean-room.ts';
import { listCleanRooms } from '../../services/clean-rooms/list-clean-rooms.ts';
import { OrganizationKindSchema } from '../../domain/organizations/organization.ts';
import { questionCatalog } from '../../domain/questions/catalog.ts';
import { lenientInput } from './lenient-input.ts';
import { defineTool } from './tool-definition.ts';
import { READ_ONLY_ANNOTATIONS, toolFields } from './tool-fields.ts';
import { formatTable, formattedOncePerValue, joinBlocks } from './tool-text.ts';
import { countText } from '../../domain/text/count-text.ts';
import type { Page } from '../../domain/pagination/page.ts';

const PAGE_SIZE_DEFAULT = 20;
const QUESTION_TEMPLATES = questionCatalog.map((question) => question.template) as [
  string,
  ...string[],
];
const PAGE_SIZE_MAX = 100;

export const listCleanRoomsTool = defineTool({
  name: 'list_clean_rooms',
  title: 'List clean rooms',
  description:
    "Lists the clean rooms your organization is a partner of, newest first, with each room's id, display id (CR-000001), name, status, your role and privacy settings (crowd size, noise). Use it first to find a room, or search by part of a name or display id, or keep the rooms with a partner of one kind (partnerKind). To look one room up by its exact name, use get_clean_room. Next: list_partners, list_datasets or list_questions for the room.",
  inputSchema: lenientInput({
    search: z
      .string()
      .trim()
      .max(200)
      .optional()
      .describe('Part of the room name or display id to filter by, ignoring case.'),
    status: CleanRoomStatusSchema.optional().describe(
      'Only rooms in this status. EXPIRED rooms are past their end date and read-only.',
    ),
    partnerKind: OrganizationKindSchema.optional().describe(
      'Only rooms where another organization of this kind is an accepted partner, such as PUBLISHER for "the overlap with the publisher".',
    ),
    datasetsFor: z
      .enum(QUESTION_TEMPLATES)
      .optional()
      .describe(
        'Only rooms with attached datasets of the types this question needs, such as audience_overlap: rooms where it cannot run for lack of data are left out.',
      ),
    cursor: toolFields.cursor,
    limit: toolFields.limit(PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX),
  }),
  outputSchema: z.object({
    items: z.array(CleanRoomSchema),
    nextCursor: z.string().nullable(),
  }),
  annotations: READ_ONLY_ANNOTATIONS,

  async handler(input, { services, caller }) {
    const page = await listCleanRooms(services, caller, {
      search: input.search || undefined,
      status: input.status,
      partnerKind: input.partnerKind,
      datasetsFor: input.datasetsFor,
      cursor: input.cursor,
      limit: input.limit ?? PAGE_SIZE_DEFAULT,
    });
    return { structuredContent: page, text: describePage(page) };
  },
});

/**
 * Formats rooms as a table with the columns a model needs to pick one. Rooms
 * are named by display id, which every tool accepts. Their UUIDs are in the
 * structured content.
 */
export function formatCleanRoomTable(rooms: CleanRoom[]) {
  return formatTable(
    ['displayId', 'name', 'status', 'myRole', 'crowdSize', 'noise'],
    rooms.map((room) => [
      room.displayId,
      room.name,
      room.status,
      room.myRole,
      room.cleanRoomParameters.CROWD_SIZE,
      room.cleanRoomParameters.ENABLE_NOISE
        ? `on (${room.cleanRoomParameters.DATA_DECIBEL})`
        : 'off',
    ]),
  );
}

/** Pages come from the read cache, so a repeated call formats nothing. */
const describePage = formattedOncePerValue(({ items: rooms, nextCursor }: Page<CleanRoom>) => {
  if (rooms.length === 0) return 'No clean rooms match.';

  const more = nextCursor ? 'More rooms exist: pass nextCursor to see the next page.' : '';
  return joinBlocks([
    `${countText(rooms.length, 'clean room')}:`,
    formatCleanRoomTable(rooms),
    more,
  ]);
});
