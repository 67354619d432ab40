import { readFileSync } from 'node:fs';
import type { RedisConnection } from '../../adapters/redis/redis-connection.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ComponentStatus, SystemStatus } from '../../domain/system/system-status.ts';
import type { ServiceContext } from '../service-context.ts';
import { probe, type ProbeOutcome } from './probe.ts';

/** Inputs of the status: the live platform's backends and the context whose connections it probes. */
export interface SystemStatusSources {
  context: ServiceContext;
  /** `platform.backends`; entries other parts add (cache, llm) are read when present. */
  backends: Record<string, string | undefined>;
}

const version = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/**
 * Reports each part of this process with the backend it really uses and
 * the outcome of a live check: SELECT 1 on the database, the queue's ping,
 * and PING on Redis within its command timeout.
 */
export async function getSystemStatus(
  sources: SystemStatusSources,
  caller: Caller,
): Promise<SystemStatus> {
  const { context, backends } = sources;
  const redis = context.webAccess?.redis ?? null;
  const [database, queue, redisPing] = await Promise.all([
    probe(() => context.db.ping()),
    probe(() => context.queue.ping()),
    redis ? probe(() => pingRedis(redis)) : Promise.resolve(null),
  ]);

  const components: ComponentStatus[] = [
    fromProbe('database', backends.database ?? context.db.kind, database),
    fromProbe('queue', backends.queue ?? 'pg-boss', queue),
    {
      name: 'engine',
      backend: backends.engine ?? 'duckdb',
      status: 'ok',
      detail: 'in-process library',
    },
    redisDependent('runEvents', backends.runEvents ?? 'in-process', redisPing),
    redisDependent('cache', backends.cache ?? 'not configured', redisPing),
    redisComponent(redisPing, redis),
    pushComponent(context),
    llmComponent(context, backends.llm),
  ];
  return {
    components: caller.role === 'ADMIN' ? components : components.map(withoutDetail),
    version,
    uptimeSeconds: Math.floor(process.uptime()),
  };
}

async function pingRedis(redis: RedisConnection): Promise<void> {
  const answer = await redis.client.ping();
  if (answer !== 'PONG') throw new Error(`PING returned ${answer}`);
}

function fromProbe(
  name: ComponentStatus['name'],
  backend: string,
  outcome: ProbeOutcome,
): ComponentStatus {
  return {
    name,
    backend,
    status: outcome.ok ? 'ok' : 'down',
    detail: outcome.ok
      ? `${outcome.latencyMs} ms`
      : `${outcome.error} after ${outcome.latencyMs} ms`,
  };
}

/** Rates a part whose backend names Redis as degraded while Redis fails, because the part then falls back or skips. */
function redisDependent(
  name: ComponentStatus['name'],
  backend: string,
  redisPing: ProbeOutcome | null,
): ComponentStatus {
  if (!backend.includes('redis') || !redisPing) return { name, backend, status: 'ok' };
  return {
    name,
    backend,
    status: redisPing.ok ? 'ok' : 'degraded',
    detail: redisPing.ok ? undefined : `redis unreachable: ${redisPing.error}`,
  };
}

function redisComponent(
  redisPing: ProbeOutcome | null,
  redis: RedisConnection | null,
): ComponentStatus {
  if (!redisPing || !redis) return { name: 'redis', backend: 'not configured', status: 'ok' };
  const state = redis.state();
  return {
    ...fromProbe('redis', 'redis', redisPing),
    status: redisPing.ok ? 'ok' : 'degraded',
    detail: redisPing.ok
      ? `PING ${redisPing.latencyMs} ms`
      : `${redisPing.error}; connection ${state.status} since ${state.since}`,
  };
}

function pushComponent(context: ServiceContext): ComponentStatus {
  const access = context.webAccess;
  if (!access?.webPush) return { name: 'push', backend: 'not configured', status: 'ok' };

  const stats = access.pushNotifications?.stats;
  return {
    name: 'push',
    backend: 'web-push (VAPID)',
    status: 'ok',
    detail: stats
      ? `${stats.sent} sent, ${stats.failed} failed by this process${stats.lastFailure ? `; last failure: ${stats.lastFailure}` : ''}`
      : undefined,
  };
}

function llmComponent(context: ServiceContext, backend: string | undefined): ComponentStatus {
  return {
    name: 'llm',
    backend: backend ?? (context.chat ? 'configured model' : 'offline intent engine'),
    status: 'ok',
  };
}

function withoutDetail(component: ComponentStatus): ComponentStatus {
  return { name: component.name, backend: component.backend, status: component.status };
}
