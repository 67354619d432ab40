import type { CacheHealth, CacheStats } from '../../adapters/cache/read-cache.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../service-context.ts';
import { requireAdmin } from './require-admin.ts';

/** Returns this process's cache statistics and Redis state; ADMIN users only. */
export function getCacheStats(
  context: ServiceContext,
  caller: Caller,
): CacheStats & { health: CacheHealth } {
  requireAdmin(caller, 'reading cache statistics');
  return { ...context.cache.stats(), health: context.cache.health() };
}
