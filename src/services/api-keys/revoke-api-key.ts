import { cacheTags } from '../../adapters/cache/cache-keys.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ApiKey } from '../../domain/organizations/organization.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toApiKeyView } from './api-key-view.ts';

/** Revokes one of the organization's API keys; revoking twice keeps the first revocation time. */
export async function revokeApiKey(
  context: ServiceContext,
  caller: Caller,
  apiKeyId: string,
): Promise<ApiKey> {
  const { apiKeys, audit } = repositories(context.db);
  const row = await apiKeys.revoke(caller.organizationId, apiKeyId);
  if (!row) {
    throw new AppError(
      'NOT_FOUND',
      `API key ${apiKeyId} was not found in your organization; list keys to find its id.`,
    );
  }

  await audit.record(caller, { action: 'api_key.revoke', objectType: 'api_key', objectId: row.id });
  await context.cache.invalidateTags([cacheTags.apiKey(row.id)]);
  return toApiKeyView(row);
}
