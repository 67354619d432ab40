import { Redis } from 'ioredis';
import { getJson, sendJson } from '../../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.ts';
import { COMMAND_TIMEOUT_MS, REDIS_URL, uniquePrefix, waitFor } from './cache-fixtures.ts';

export interface PlatformPair {
  first: TestPlatform;
  second: TestPlatform;
  /** Stops both platforms, drops their schema and deletes their Redis keys. */
  stop(): Promise<void>;
}

/**
 * Starts two platforms on one schema, one data directory and one Redis key
 * prefix, as two processes of one deployment, and waits until both caches
 * report ok. `env` adds settings for both.
 */
export async function startPlatformPair(env: Record<string, string> = {}): Promise<PlatformPair> {
  const redisKeyPrefix = uniquePrefix().replaceAll(':', '_').slice(0, 60);
  const sharedEnv = {
    REDIS_URL,
    REDIS_KEY_PREFIX: redisKeyPrefix,
    REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    ...env,
  };
  const first = await startTestPlatform({
    backend: 'postgres',
    env: sharedEnv,
    startWorker: false,
  });
  const second = await startTestPlatform({
    backend: 'postgres',
    env: sharedEnv,
    seed: 'none',
    startWorker: false,
    reuse: { dataDir: first.dataDir, schema: first.schema },
  });
  await waitFor(() =>
    [first, second].every((test) => test.platform.context.cache.health().status === 'ok'),
  );

  return {
    first,
    second,
    async stop() {
      await second.stop();
      await first.close();
      const admin = new Redis(REDIS_URL);
      const keys = await admin.keys(`${redisKeyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    },
  };
}

/**
 * Creates an API key in the first process, authenticates with it in the
 * second (which caches the lookup) and revokes it in the first. Returns the
 * first status other than 200 of the second process's requests, or 200 if
 * none came within two seconds.
 */
export async function statusAfterRevocationElsewhere(pair: PlatformPair): Promise<number> {
  const { first, second } = pair;
  const created = await sendJson<{ id: string; key: string }>(
    first.app,
    first.keys.publisher,
    'POST',
    '/api/v1/api-keys',
    { name: 'cross-process key' },
  );
  const before = await getJson(second.app, created.body.key, '/api/v1/me');
  if (before.status !== 200) throw new Error(`The new key got HTTP ${before.status}, expected 200`);

  await sendJson(first.app, first.keys.publisher, 'DELETE', `/api/v1/api-keys/${created.body.id}`);

  let status = 200;
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline && status === 200) {
    status = (await getJson(second.app, created.body.key, '/api/v1/me')).status;
  }
  return status;
}
