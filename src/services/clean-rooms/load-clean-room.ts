import type { PartnerRole } from '../../domain/clean-rooms/clean-room.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { CleanRoomRow } from '../../adapters/storage/repositories/clean-rooms-repository.ts';
import type { Repositories } from '../service-context.ts';

/**
 * Loads a clean room the caller's organization is a partner of. A room of
 * which it is not a partner is "not found", so its existence does not leak.
 */
export async function loadCleanRoom(
  repos: Repositories,
  caller: Caller,
  reference: string,
): Promise<CleanRoomRow> {
  const room = await repos.cleanRooms.findVisible(caller.organizationId, reference);
  if (!room) {
    throw new AppError(
      'CLEAN_ROOM_NOT_FOUND',
      `Clean room "${reference}" was not found among your clean rooms; list them with GET /api/v1/cleanrooms to find its id or display id.`,
      { details: { cleanRoomId: reference } },
    );
  }
  return room;
}

/** Checks the caller's role in the room allows the action. */
export function requireRole(
  room: CleanRoomRow,
  allowed: readonly PartnerRole[],
  action: string,
): void {
  if (allowed.includes(room.my_role)) return;

  throw new AppError(
    'FORBIDDEN',
    `Your organization is ${room.my_role} in clean room ${room.display_id}; ${action} needs ${allowed.join(' or ')}.`,
    { details: { role: room.my_role, requiredRoles: allowed } },
  );
}

/** Rejects changes to a room past its end date, which is read-only. */
export function requireWritable(room: CleanRoomRow): void {
  if (room.status !== 'EXPIRED') return;

  throw new AppError(
    'CLEAN_ROOM_READ_ONLY',
    `Clean room ${room.display_id} has ended and is read-only.`,
  );
}
