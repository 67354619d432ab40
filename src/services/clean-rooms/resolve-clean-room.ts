import type { CleanRoom } from '../../domain/clean-rooms/clean-room.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../service-context.ts';
import { findCleanRoomsByName } from './find-clean-rooms-by-name.ts';
import { getCleanRoom } from './get-clean-room.ts';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DISPLAY_ID_PATTERN = /^CR-\d+$/i;

/** Outcome of looking a clean room up by a reference that may be a name. */
export type CleanRoomResolution =
  | { match: 'FOUND'; cleanRoom: CleanRoom }
  /** Several rooms carry the name: the caller chooses, because guessing could run a question in the wrong room. */
  | { match: 'AMBIGUOUS'; candidates: CleanRoom[] };

/**
 * Looks a clean room of the caller up by UUID, display id (CR-000001) or
 * exact name, ignoring case. Raises CLEAN_ROOM_NOT_FOUND when nothing
 * matches, with rooms of similar names in the message and details.
 */
export async function resolveCleanRoom(
  context: ServiceContext,
  caller: Caller,
  reference: string,
): Promise<CleanRoomResolution> {
  const trimmed = reference.trim();
  if (UUID_PATTERN.test(trimmed) || DISPLAY_ID_PATTERN.test(trimmed)) {
    return { match: 'FOUND', cleanRoom: await getCleanRoom(context, caller, trimmed) };
  }

  const { matches, suggestions } = await findCleanRoomsByName(context, caller, trimmed);
  if (matches.length === 1) return { match: 'FOUND', cleanRoom: matches[0]! };
  if (matches.length > 1) return { match: 'AMBIGUOUS', candidates: matches };
  throw notFound(trimmed, suggestions);
}

function notFound(name: string, suggestions: CleanRoom[]): AppError {
  const similar = suggestions.map((room) => `"${room.name}" (${room.displayId})`).join(', ');
  const hint =
    suggestions.length > 0
      ? `Rooms with similar names: ${similar}; pass one of those names or display ids.`
      : 'List your clean rooms to see their names and display ids.';
  return new AppError(
    'CLEAN_ROOM_NOT_FOUND',
    `Clean room "${name}" was not found among your clean rooms. ${hint}`,
    {
      details: {
        cleanRoomId: name,
        suggestions: suggestions.map((room) => ({
          id: room.id,
          displayId: room.displayId,
          name: room.name,
        })),
      },
    },
  );
}
