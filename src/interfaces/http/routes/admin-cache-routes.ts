import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { clearCache } from '../../../services/cache/clear-cache.ts';
import { getCacheStats } from '../../../services/cache/get-cache-stats.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { callerOf } from '../authenticate.ts';
import type { ResponseMemo } from '../plugins/response-memo.ts';
import { commonErrorResponses } from '../error-envelope.ts';

const tags = ['Administration'];
const milliseconds = z.number().nullable();

/** Statistics of this process's read cache since it started. */
export const CacheStatsSchema = z.object({
  backend: z.enum(['memory', 'memory+redis', 'disabled']),
  requests: z.object({
    l1: z.number().int(),
    l2: z.number().int(),
    stale: z.number().int(),
    miss: z.number().int(),
    bypass: z.number().int(),
  }),
  hitRate: z.number().nullable(),
  loads: z.object({
    count: z.number().int(),
    errors: z.number().int(),
    meanMs: milliseconds,
    maxMs: milliseconds,
  }),
  lookupMeanMs: z.object({ l1: milliseconds, l2: milliseconds }),
  invalidations: z.number().int(),
  rejectedWrites: z.number().int(),
  redisErrors: z.number().int(),
  l1Items: z.number().int(),
  health: z.object({
    status: z.enum(['ok', 'degraded']),
    backend: z.enum(['memory', 'memory+redis', 'disabled']),
    redis: z
      .object({
        status: z.enum(['ready', 'connecting', 'down']),
        lastError: z.string().nullable(),
        since: z.string(),
      })
      .optional(),
  }),
  /** The HTTP response memo of this process, or null when CACHE_RESPONSE_MEMO_MB is 0 or CACHE_ENABLED is false. */
  responseMemo: z
    .object({
      entries: z.number().int(),
      bytes: z.number().int(),
      maxBytes: z.number().int(),
      replays: z.number().int(),
      recorded: z.number().int(),
    })
    .nullable(),
});
export type CacheStatsResponse = z.infer<typeof CacheStatsSchema>;

/** Registers the cache administration routes; ADMIN users only. */
export function adminCacheRoutes(
  context: ServiceContext,
  memo: ResponseMemo | null,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/admin/cache', {
      schema: {
        tags,
        summary: 'Cache hits, misses, load times and Redis state of the process that answers',
        response: { 200: CacheStatsSchema, ...commonErrorResponses },
      },
      handler: async (request) => ({
        ...getCacheStats(context, callerOf(request)),
        responseMemo: memo?.stats() ?? null,
      }),
    });

    app.post('/admin/cache/clear', {
      schema: {
        tags,
        summary: 'Empty the cache of every process',
        response: { 204: z.null(), ...commonErrorResponses },
      },
      handler: async (request, reply) => {
        await clearCache(context, callerOf(request));
        return reply.status(204).send(null);
      },
    });
  };
}
