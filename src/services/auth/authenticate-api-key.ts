import { cacheKey, cacheTags } from '../../adapters/cache/cache-keys.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { hashApiKey, looksLikeApiKey } from './api-key-secret.ts';

/** Minimum time between two `last_used_at` writes of one key, so reads do not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Resolves a bearer API key to the caller it acts for. */
export async function authenticateApiKey(context: ServiceContext, key: string): Promise<Caller> {
  if (!looksLikeApiKey(key)) {
    throw new AppError(
      'API_KEY_INVALID',
      'The API key is malformed; keys look like crk_ followed by 32 characters.',
    );
  }

  const keyHash = hashApiKey(key);
  // Only valid keys are cached. Revoking one invalidates its tag in every process.
  // NOTE: a change of the user's role reaches a cached key after CACHE_API_KEY_TTL_SECONDS at the latest.
  // Methods, not arrow functions, because this runs on every request: tsx
  // compiles with esbuild's keepNames, which wraps each arrow function in a
  // defineProperty call of its name, about 0.4 µs per arrow created (Node 20.20).
  return context.cache.getOrSet<Caller>({
    key: cacheKey('api-key', null, keyHash),
    kind: 'apiKey',
    tags(caller) {
      return caller.apiKeyId ? [cacheTags.apiKey(caller.apiKeyId)] : [];
    },
    load() {
      return loadApiKeyCaller(context, keyHash);
    },
  });
}

async function loadApiKeyCaller(context: ServiceContext, keyHash: string): Promise<Caller> {
  const { apiKeys } = repositories(context.db);
  const row = await apiKeys.findByHash(keyHash);
  if (!row)
    throw new AppError(
      'API_KEY_INVALID',
      'The API key is not valid; create one with `cleanroom api-key create`.',
    );
  if (row.revoked_at) {
    throw new AppError('API_KEY_REVOKED', `API key ${row.prefix}… was revoked; use another key.`);
  }

  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    await apiKeys.touchLastUsed(row.id);
  }
  return {
    organizationId: row.organization_id,
    userId: row.user_id,
    apiKeyId: row.id,
    role: row.user_role,
  };
}
