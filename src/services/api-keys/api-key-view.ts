import type { ApiKey } from '../../domain/organizations/organization.ts';
import type { ApiKeyRow } from '../../adapters/storage/repositories/api-keys-repository.ts';
import { toIso, toIsoOrNull } from '../../adapters/storage/repositories/row-mapping.ts';

export function toApiKeyView(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    userId: row.user_id,
    createdAt: toIso(row.created_at),
    lastUsedAt: toIsoOrNull(row.last_used_at),
    revokedAt: toIsoOrNull(row.revoked_at),
  };
}
