import type { FastifyPluginAsync } from 'fastify';
import type { Platform } from '../../../app/create-platform.ts';

/** Time one dependency check may take before the service counts as not ready. */
const CHECK_TIMEOUT_MS = 2000;

/** Registers liveness (the process responds) and readiness (the database and the queue respond). */
export function healthRoutes(platform: Platform): FastifyPluginAsync {
  return async (app) => {
    const schema = { tags: ['Health'], security: [] };
    app.get('/health/live', { schema }, async () => ({ status: 'ok' }));

    app.get('/health/ready', { schema }, async (_request, reply) => {
      const [database, queue] = await Promise.all([
        check(() => platform.context.db.ping()),
        check(() => platform.context.queue.ping()),
      ]);
      const ready = database.ok && queue.ok;
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not ready',
        checks: {
          database: { ...database, backend: platform.backends.database },
          queue: { ...queue, backend: platform.backends.queue },
          engine: { ok: true, backend: platform.backends.engine },
          // A degraded cache bypasses Redis and reads the database, so it never makes the process not ready.
          cache: platform.context.cache.health(),
        },
      });
    });
  };
}

async function check(
  probe: () => Promise<void>,
): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: (error as Error).message,
    };
  } finally {
    clearTimeout(timer);
  }
}
