import type { CleanRoom } from '../../domain/clean-rooms/clean-room.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toCleanRoomView } from './clean-room-view.ts';
import { loadCleanRoom } from './load-clean-room.ts';

/** Returns a clean room the caller is a partner of, by id or display id. */
export async function getCleanRoom(
  context: ServiceContext,
  caller: Caller,
  reference: string,
): Promise<CleanRoom> {
  return toCleanRoomView(await loadCleanRoom(repositories(context.db), caller, reference));
}
