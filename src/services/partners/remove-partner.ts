import { cacheTags } from '../../adapters/cache/cache-keys.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { loadCleanRoom, requireRole, requireWritable } from '../clean-rooms/load-clean-room.ts';
import { repositories, type ServiceContext } from '../service-context.ts';

/**
 * Removes a partner from a clean room; owners only. The partner's datasets are
 * detached with it, and the last owner cannot be removed.
 */
export async function removePartner(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
  partnerId: string,
): Promise<void> {
  const room = await loadCleanRoom(repositories(context.db), caller, cleanRoomRef);
  requireRole(room, ['OWNER'], 'removing partners');
  requireWritable(room);

  const removed = await context.db.transaction(async (tx) => {
    const repos = repositories(tx);
    const partner = await repos.partners.find(room.id, partnerId);
    if (!partner) {
      throw new AppError(
        'PARTNER_NOT_FOUND',
        `Partner ${partnerId} is not in clean room ${room.display_id}; list partners to find its id.`,
        {
          details: { partnerId },
        },
      );
    }
    if (partner.role === 'OWNER' && (await repos.partners.countOwners(room.id)) <= 1) {
      throw new AppError(
        'LAST_OWNER',
        `${partner.organization_name} is the only owner of ${room.display_id}; add another owner first.`,
      );
    }

    await repos.datasets.detachOrganization(room.id, partner.organization_id);
    await repos.partners.remove(partner.id);
    await repos.audit.record(caller, {
      action: 'partner.remove',
      objectType: 'partner',
      objectId: partner.id,
      cleanRoomId: room.id,
      details: { partnerOrganizationId: partner.organization_id },
    });
    return partner;
  });
  await context.cache.invalidateTags([
    cacheTags.cleanRoom(room.id),
    cacheTags.roomPartners(),
    cacheTags.organizationRooms(removed.organization_id),
  ]);
}
