import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createPlatform, type Platform } from '../../src/app/create-platform.ts';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createHttpServer } from '../../src/interfaces/http/create-http-server.ts';
import { authenticateApiKey } from '../../src/services/auth/authenticate-api-key.ts';
import { createCleanRoom } from '../../src/services/clean-rooms/create-clean-room.ts';
import { readDemoCredentials } from '../../src/services/seed/demo-credentials.ts';
import { seedDemoWorkspace } from '../../src/services/seed/seed-demo-workspace.ts';
import { serveBenchRequests } from '../lib/child-protocol.ts';

const CacheServerRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('open'),
    variant: z.enum(['l1', 'l2', 'uncached']),
    dataDirectory: z.string(),
    databaseUrl: z.string(),
    schema: z.string(),
    redisUrl: z.string(),
    /** Seeds the small demo workspace first; the first server of a scenario does. */
    seed: z.boolean(),
  }),
  z.object({ kind: z.literal('open-bare'), body: z.string() }),
  /** Creates clean rooms owned by the demo advertiser and returns their ids. */
  z.object({ kind: z.literal('create-rooms'), count: z.number().int().positive() }),
  /** Counts of the cache's requests of one kind by outcome, from the Prometheus registry. */
  z.object({ kind: z.literal('cache-counts'), cacheKind: z.string() }),
  z.object({ kind: z.literal('cache-health') }),
  /** Returns this process's CPU time so far, in microseconds (user plus system). */
  z.object({ kind: z.literal('cpu') }),
]);
export type CacheServerRequest = z.infer<typeof CacheServerRequestSchema>;

export interface CacheServerOpened {
  baseUrl: string;
  /** Demo API key of the advertiser (Northwind). */
  apiKey: string;
  database: string;
}

const endDate = '2026-11-30';
let platform: Platform | null = null;
let app: FastifyInstance | null = null;
let bare: Server | null = null;

/**
 * The platform under test in this process, pinned to the server CPU: the
 * real HTTP server on PostgreSQL, with the cache set up as the variant
 * selects. The server connects to PostgreSQL directly, the setup for which
 * docs/deployment.md recommends DATABASE_PREPARED_STATEMENTS=true and
 * pipelined connections (DATABASE_PIPELINE_CONNECTIONS=2), and keeps its
 * whole pool open (DATABASE_POOL_MIN=10), as that page recommends for a
 * dedicated web process.
 */
async function open(request: Extract<CacheServerRequest, { kind: 'open' }>) {
  const config = loadConfig({
    DATA_DIR: request.dataDirectory,
    DATABASE_URL: request.databaseUrl,
    DATABASE_SCHEMA: request.schema,
    LOG_LEVEL: 'warn',
    ENGINE_THREADS: '1',
    WORKER_ENABLED: 'false',
    DATABASE_PREPARED_STATEMENTS: 'true',
    DATABASE_POOL_MIN: '10',
    DATABASE_PIPELINE_CONNECTIONS: '2',
    REDIS_URL: request.redisUrl,
    REDIS_KEY_PREFIX: 'bench:',
    CACHE_ENABLED: String(request.variant !== 'uncached'),
    CACHE_L1_ENABLED: String(request.variant === 'l1'),
  });
  platform = await createPlatform(config, createLogger(config.LOG_LEVEL, 2), {
    purpose: `bench cache ${request.variant}`,
  });
  if (request.seed) {
    await seedDemoWorkspace(platform.context, {
      size: 'small',
      dataDir: request.dataDirectory,
      endDate,
      threads: 1,
    });
  }
  const credentials = await readDemoCredentials(request.dataDirectory);
  const apiKey = credentials.find((entry) => entry.organization.startsWith('Northwind'))?.apiKey;
  if (apiKey === undefined) throw new Error('The demo seed made no Northwind API key');

  app = await createHttpServer(platform);
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return { baseUrl, apiKey, database: platform.backends.database } satisfies CacheServerOpened;
}

/** Bare node:http sending `body` for every request, serialized once: the baseline. */
async function openBare(body: string): Promise<CacheServerOpened> {
  const bytes = Buffer.from(body);
  bare = createServer((_request, response) => {
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': bytes.length,
    });
    response.end(bytes);
  });
  await new Promise<void>((resolve) => bare!.listen(0, '127.0.0.1', resolve));
  const { port } = bare.address() as { port: number };
  return { baseUrl: `http://127.0.0.1:${port}`, apiKey: '', database: 'none' };
}

async function createRooms(count: number): Promise<string[]> {
  const context = requirePlatform().context;
  const apiKey = (await readDemoCredentials(requirePlatform().config.dataDir)).find((entry) =>
    entry.organization.startsWith('Northwind'),
  )?.apiKey;
  const caller = await authenticateApiKey(context, apiKey ?? '');
  const ids: string[] = [];
  const workers = Array.from({ length: 8 }, async (_, worker) => {
    for (let index = worker; index < count; index += 8) {
      const room = await createCleanRoom(context, caller, {
        name: `Bench room ${index}`,
        description: 'v0',
        type: 'Hybrid',
      });
      ids[index] = room.id;
    }
  });
  await Promise.all(workers);
  return ids;
}

/** Requests by outcome plus `loads`, the loader calls (database reads), of one kind of cached read. */
async function cacheCounts(kind: string): Promise<Record<string, number>> {
  const { metrics } = requirePlatform();
  const counts: Record<string, number> = {};
  const requests = await metrics.getSingleMetric('cleanroom_cache_requests_total')?.get();
  for (const value of requests?.values ?? []) {
    if (value.labels.kind === kind) counts[String(value.labels.outcome)] = value.value;
  }
  const loads = await metrics.getSingleMetric('cleanroom_cache_load_duration_seconds')?.get();
  counts.loads = 0;
  for (const value of loads?.values ?? []) {
    const isCount = 'metricName' in value && String(value.metricName).endsWith('_count');
    if (isCount && value.labels.kind === kind) counts.loads += value.value;
  }
  return counts;
}

function requirePlatform(): Platform {
  if (platform === null) throw new Error('Send an open request first');
  return platform;
}

serveBenchRequests(
  async (payload) => {
    const request = CacheServerRequestSchema.parse(payload);
    switch (request.kind) {
      case 'open':
        return open(request);
      case 'open-bare':
        return openBare(request.body);
      case 'create-rooms':
        return createRooms(request.count);
      case 'cache-counts':
        return cacheCounts(request.cacheKind);
      case 'cache-health':
        return requirePlatform().context.cache.health().status;
      case 'cpu': {
        const usage = process.cpuUsage();
        return usage.user + usage.system;
      }
    }
  },
  async () => {
    await app?.close();
    await platform?.close();
    await new Promise((resolve) => (bare ? bare.close(resolve) : resolve(undefined)));
  },
);
