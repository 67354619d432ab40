import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Platform } from '../../../app/create-platform.ts';
import { AppError } from '../../../domain/errors/app-error.ts';

/**
 * Registers GET /metrics: the platform's Prometheus registry in the text
 * exposition format. When METRICS_TOKEN is set, the scraper must send
 * `Authorization: Bearer <METRICS_TOKEN>`; without it the endpoint is open,
 * so keep it off the public network (the reverse proxy should not route it).
 */
export function metricsRoutes(platform: Platform): FastifyPluginAsync {
  const token = platform.config.METRICS_TOKEN;
  return async (app) => {
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (token !== undefined && !hasToken(request, token)) {
        throw new AppError(
          'UNAUTHENTICATED',
          'GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>"; set the same token in the scraper.',
        );
      }

      reply.header('content-type', platform.metrics.contentType);
      reply.header('cache-control', 'no-store');
      return platform.metrics.metrics();
    });
  };
}

/** Compares in constant time, so response timing does not reveal how much of the token matched. */
function hasToken(request: FastifyRequest, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  const sent = Buffer.from(match?.[1] ?? '');
  const expected = Buffer.from(token);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}
