import type { Partner } from '../../domain/clean-rooms/clean-room.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { loadCleanRoom } from '../clean-rooms/load-clean-room.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toPartnerView } from './partner-view.ts';

/** Lists the partner organizations of a clean room the caller is a partner of. */
export async function listPartners(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
): Promise<Partner[]> {
  const repos = repositories(context.db);
  const room = await loadCleanRoom(repos, caller, cleanRoomRef);
  return (await repos.partners.listForRoom(room.id)).map(toPartnerView);
}
