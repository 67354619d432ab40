import { cacheKey, cacheTags } from '../../adapters/cache/cache-keys.ts';
import type { CacheRequest } from '../../adapters/cache/read-cache.ts';
import type { CleanRoom } from '../../domain/clean-rooms/clean-room.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toCleanRoomView } from './clean-room-view.ts';
import { loadCleanRoom } from './load-clean-room.ts';

/** Returns a clean room the caller is a partner of, by id or display id; cached per organization. */
export async function getCleanRoom(
  context: ServiceContext,
  caller: Caller,
  reference: string,
): Promise<CleanRoom> {
  return context.cache.getOrSet(cleanRoomRead(context, caller, reference));
}

/** The cached read of one clean room, shared with writes that refresh it. */
export function cleanRoomRead(
  context: ServiceContext,
  caller: Caller,
  reference: string,
): CacheRequest<CleanRoom> {
  // Methods, not arrow functions: tsx wraps each arrow function created per call in a defineProperty of its name.
  return {
    key: cacheKey('clean-room', caller.organizationId, reference),
    kind: 'detail',
    tags(room) {
      return [cacheTags.cleanRoom(room.id)];
    },
    async load() {
      return toCleanRoomView(await loadCleanRoom(repositories(context.db), caller, reference));
    },
  };
}
