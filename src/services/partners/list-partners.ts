import { cacheKey, cacheTags } from '../../adapters/cache/cache-keys.ts';
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
  const cached = await context.cache.getOrSet({
    key: cacheKey('partners', caller.organizationId, cleanRoomRef),
    kind: 'list',
    tags: ({ cleanRoomId }) => [cacheTags.cleanRoom(cleanRoomId)],
    load: async () => {
      const repos = repositories(context.db);
      const room = await loadCleanRoom(repos, caller, cleanRoomRef);
      const partners = (await repos.partners.listForRoom(room.id)).map(toPartnerView);
      return { cleanRoomId: room.id, partners };
    },
  });
  return cached.partners;
}
