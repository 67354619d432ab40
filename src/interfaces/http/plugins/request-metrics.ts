import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

/** Duration buckets in seconds: cached reads take about a millisecond, run starts and imports seconds. */
const DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const LABEL_NAMES = ['method', 'route', 'status_code'] as const;
const METRIC_NAME = 'cleanroom_http_request_duration_seconds';

export type RequestHistogram = Histogram<(typeof LABEL_NAMES)[number]>;

/**
 * Times HTTP requests by method, route pattern and status code. The
 * histogram's `_count` series is the request count, so no separate counter
 * is kept (each metric update costs CPU on every request). The route label is
 * the pattern (`/api/v1/cleanrooms/:id`), never the raw URL, and requests
 * that matched no route share the label `unmatched`, so the number of series
 * stays bounded whatever clients send. Responses hijacked by a route (the MCP
 * endpoint) are not counted, because Fastify runs no onResponse hook for them.
 */
export function registerRequestMetrics(app: FastifyInstance, registry: Registry): void {
  const durations = requestDurationHistogram(registry);

  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: KNOWN_METHODS.has(request.method) ? request.method : 'other',
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    durations.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}

/** Returns the request duration histogram of `registry`. A second HTTP server on the same platform (tests, benches) reuses it. */
export function requestDurationHistogram(registry: Registry): RequestHistogram {
  const existing = registry.getSingleMetric(METRIC_NAME);
  if (existing) return existing as RequestHistogram;
  return new Histogram({
    name: METRIC_NAME,
    help: 'Time from request to the last byte of the response, by method, route pattern and status code; _count is the request count.',
    labelNames: LABEL_NAMES,
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });
}
