import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../service-context.ts';
import { requireAdmin } from './require-admin.ts';

/**
 * Empties the cache of every process: Redis and, through the bus, each
 * process's memory. ADMIN users only; the cache contains every organization's
 * reads, so clearing it costs all of them a reload.
 */
export async function clearCache(context: ServiceContext, caller: Caller): Promise<void> {
  requireAdmin(caller, 'clearing the cache');
  await context.cache.clear();
  context.log.info(
    { userId: caller.userId, organizationId: caller.organizationId },
    'cache cleared',
  );
}
