import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { resolveCleanRoom } from '../../services/clean-rooms/resolve-clean-room.ts';
import type { ServiceContext } from '../../services/service-context.ts';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DISPLAY_ID_PATTERN = /^CR-\d+$/i;

/**
 * Turns a tool's `cleanRoomId` argument into an id the services accept. A
 * UUID or display id passes unchanged, because the services look those up
 * and raise CLEAN_ROOM_NOT_FOUND themselves. Anything else is taken as an
 * exact name (case ignored) and resolved as get_clean_room does: one match
 * gives its display id, several raise CLEAN_ROOM_AMBIGUOUS listing them,
 * none raises CLEAN_ROOM_NOT_FOUND with similar names.
 */
export async function resolveCleanRoomArgument(
  services: ServiceContext,
  caller: Caller,
  reference: string,
): Promise<string> {
  const trimmed = reference.trim();
  if (UUID_PATTERN.test(trimmed) || DISPLAY_ID_PATTERN.test(trimmed)) return trimmed;

  const resolution = await resolveCleanRoom(services, caller, trimmed);
  if (resolution.match === 'FOUND') return resolution.cleanRoom.displayId;

  const candidates = resolution.candidates.map((room) => ({
    id: room.id,
    displayId: room.displayId,
    name: room.name,
  }));
  // Names stay unescaped, so a model can pass one back. The chat escapes the whole error text.
  const listed = candidates.map((room) => `${room.displayId} (${room.name})`).join(', ');
  throw new AppError(
    'CLEAN_ROOM_AMBIGUOUS',
    `${candidates.length} clean rooms are named "${trimmed}": ${listed}; ask which one is meant and pass its display id as cleanRoomId.`,
    { details: { cleanRoomId: trimmed, candidates } },
  );
}
