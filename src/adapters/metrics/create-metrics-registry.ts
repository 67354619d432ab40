import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * One Prometheus registry per platform instance (tests start several in one
 * process, so the library's global registry would mix them). Adapters
 * register their own metrics on it; GET /metrics renders it.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cleanroom_' });
  return registry;
}
