import type { Partner } from '../../domain/clean-rooms/clean-room.ts';
import type { PartnerRow } from '../../adapters/storage/repositories/partners-repository.ts';
import { toIso } from '../../adapters/storage/repositories/row-mapping.ts';

export function toPartnerView(row: PartnerRow): Partner {
  return {
    id: row.id,
    partnerOrganizationId: row.organization_id,
    name: row.organization_name,
    kind: row.organization_kind,
    role: row.role,
    status: row.status,
    addedAt: toIso(row.added_at),
  };
}
