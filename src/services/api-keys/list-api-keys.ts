import type { Caller } from '../../domain/organizations/caller.ts';
import type { ApiKey } from '../../domain/organizations/organization.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toApiKeyView } from './api-key-view.ts';

/** Lists the API keys of the caller's organization, revoked ones included. Secrets are never returned. */
export async function listApiKeys(context: ServiceContext, caller: Caller): Promise<ApiKey[]> {
  const rows = await repositories(context.db).apiKeys.listForOrganization(caller.organizationId);
  return rows.map(toApiKeyView);
}
