import { z } from 'zod';
import { AppError } from '../../domain/errors/app-error.ts';
import { CleanRoomSchema, type CleanRoom } from '../../domain/clean-rooms/clean-room.ts';
import { resolveCleanRoom } from '../../services/clean-rooms/resolve-clean-room.ts';
import { formatCleanRoomTable } from './list-clean-rooms.ts';
import { lenientInput } from './lenient-input.ts';
import { defineTool } from './tool-definition.ts';
import { READ_ONLY_ANNOTATIONS } from './tool-fields.ts';
import { joinBlocks } from './tool-text.ts';
import { countText } from '../../domain/text/count-text.ts';
import { escapeMarkdown } from '../../domain/text/escape-markdown.ts';

export const getCleanRoomTool = defineTool({
  name: 'get_clean_room',
  title: 'Get a clean room',
  description:
    'Returns one clean room of your organization by id (UUID), display id (CR-000001) or exact name (case ignored): owner, your role, dates, status and privacy settings (crowd size = minimum people per result row, noise). When several rooms share the name, match is AMBIGUOUS and candidates lists them: ask the user which one, never guess. When nothing matches, the error suggests rooms with similar names. Next: list_partners, list_datasets or list_questions with the room id.',
  inputSchema: lenientInput(
    {
      cleanRoom: z
        .string()
        .trim()
        .min(1)
        .max(200)
        .optional()
        .describe(
          'Id, display id (CR-000001) or exact name of the clean room. Pass this or cleanRoomId.',
        ),
      cleanRoomId: z
        .string()
        .trim()
        .min(1)
        .max(200)
        .optional()
        .describe(
          'The same as cleanRoom, under the name the other tools use: id, display id or exact name. Pass this or cleanRoom.',
        ),
    },
    { aliases: { cleanRoom: 'cleanRoomId' } },
  ),
  outputSchema: z.object({
    match: z.enum(['FOUND', 'AMBIGUOUS']),
    cleanRoom: CleanRoomSchema.nullable(),
    candidates: z.array(CleanRoomSchema),
  }),
  annotations: READ_ONLY_ANNOTATIONS,

  async handler(input, { services, caller }) {
    const reference = input.cleanRoom ?? input.cleanRoomId;
    if (reference === undefined) {
      throw new AppError(
        'VALIDATION_FAILED',
        'Pass the clean room as cleanRoomId (or cleanRoom): its id, display id (CR-000001) or exact name.',
      );
    }

    const resolution = await resolveCleanRoom(services, caller, reference);
    if (resolution.match === 'AMBIGUOUS') {
      return {
        structuredContent: {
          match: 'AMBIGUOUS' as const,
          cleanRoom: null,
          candidates: resolution.candidates,
        },
        // AMBIGUOUS means two or more candidates, so the verb stays plural.
        text: joinBlocks([
          `${countText(resolution.candidates.length, 'clean room')} are named "${escapeMarkdown(reference)}"; ask which one is meant and pass its display id:`,
          formatCleanRoomTable(resolution.candidates),
        ]),
      };
    }
    return {
      structuredContent: {
        match: 'FOUND' as const,
        cleanRoom: resolution.cleanRoom,
        candidates: [],
      },
      text: describeRoom(resolution.cleanRoom),
    };
  },
});

function describeRoom(room: CleanRoom): string {
  const parameters = room.cleanRoomParameters;
  const noise = parameters.ENABLE_NOISE
    ? `Laplace noise of scale ${parameters.DATA_DECIBEL} on counts`
    : 'no noise';
  return joinBlocks([
    `${escapeMarkdown(room.name)} (${room.displayId}, id ${room.id})`,
    `Owner: ${escapeMarkdown(room.ownerOrganization.name)}; your role: ${room.myRole}; ${countText(room.partnersCount, 'partner')}.`,
    `Status ${room.status}, from ${room.startAt} to ${room.endAt ?? 'no end date'}; type ${room.type}.`,
    `Privacy: result rows counting fewer than ${countText(parameters.CROWD_SIZE, 'person', 'people')} are suppressed; ${noise}; export ${parameters.ENABLE_EXPORT ? 'enabled' : 'disabled'}.`,
    escapeMarkdown(room.description),
  ]);
}
