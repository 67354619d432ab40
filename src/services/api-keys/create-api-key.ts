import { randomUUID } from 'node:crypto';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { CreatedApiKey } from '../../domain/organizations/organization.ts';
import type { Queryable } from '../../adapters/storage/database.ts';
import { generateApiKey } from '../auth/api-key-secret.ts';
import { repositories } from '../service-context.ts';
import { toApiKeyView } from './api-key-view.ts';

/** Creates an API key for the caller's user. The secret is returned here only and never stored. */
export async function createApiKey(
  db: Queryable,
  caller: Caller,
  name: string,
): Promise<CreatedApiKey> {
  const { apiKeys, audit } = repositories(db);
  const secret = generateApiKey();
  const row = await apiKeys.insert({
    id: randomUUID(),
    organization_id: caller.organizationId,
    user_id: caller.userId,
    name,
    prefix: secret.prefix,
    key_hash: secret.hash,
  });

  await audit.record(caller, {
    action: 'api_key.create',
    objectType: 'api_key',
    objectId: row.id,
    details: { name },
  });
  return { ...toApiKeyView(row), key: secret.key };
}
