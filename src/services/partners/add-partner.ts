import { randomUUID } from 'node:crypto';
import { cacheTags } from '../../adapters/cache/cache-keys.ts';
import type { AddPartnerRequest, Partner } from '../../domain/clean-rooms/clean-room.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { loadCleanRoom, requireRole, requireWritable } from '../clean-rooms/load-clean-room.ts';
import { repositories, type Repositories, type ServiceContext } from '../service-context.ts';
import { toPartnerView } from './partner-view.ts';

/**
 * Adds an organization to a clean room; owners only. The partner is added as
 * ACCEPTED: invitations by email are not sent in this version.
 */
export async function addPartner(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
  request: AddPartnerRequest,
): Promise<Partner> {
  const repos = repositories(context.db);
  const room = await loadCleanRoom(repos, caller, cleanRoomRef);
  requireRole(room, ['OWNER'], 'adding partners');
  requireWritable(room);
  const organization = await findPartnerOrganization(repos, request);

  const partnerId = randomUUID();
  const added = await repos.partners.insert({
    id: partnerId,
    cleanRoomId: room.id,
    organizationId: organization.id,
    role: request.role,
  });
  if (!added) {
    throw new AppError(
      'PARTNER_EXISTS',
      `${organization.name} is already a partner of clean room ${room.display_id}.`,
      {
        details: { partnerOrganizationId: organization.id },
      },
    );
  }

  await repos.audit.record(caller, {
    action: 'partner.add',
    objectType: 'partner',
    objectId: partnerId,
    cleanRoomId: room.id,
    details: { partnerOrganizationId: organization.id, role: request.role },
  });
  await context.cache.invalidateTags([
    cacheTags.cleanRoom(room.id),
    cacheTags.roomPartners(),
    cacheTags.organizationRooms(organization.id),
  ]);
  return toPartnerView((await repos.partners.find(room.id, partnerId))!);
}

async function findPartnerOrganization(repos: Repositories, request: AddPartnerRequest) {
  const organization = request.partnerOrganizationId
    ? await repos.organizations.findOrganization(request.partnerOrganizationId)
    : await repos.organizations.findOrganizationByUserEmail(request.partnerAdminEmail ?? '');
  if (organization) return organization;

  const value = request.partnerOrganizationId ?? request.partnerAdminEmail;
  throw new AppError(
    'ORGANIZATION_NOT_FOUND',
    `No organization matches "${value}"; check the organization id or the admin's email.`,
    {
      details: {
        partnerOrganizationId: request.partnerOrganizationId,
        partnerAdminEmail: request.partnerAdminEmail,
      },
    },
  );
}
