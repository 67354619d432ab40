import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchChild } from '../lib/child-runner.ts';
import type { BenchScenario, Figure, ScenarioContext, ScenarioReport } from '../lib/types.ts';
import {
  benchSchema,
  dropBenchSchema,
  formatMs,
  measureRoundWithPostgres,
  openPlatformServer,
  runLoad,
  startLoadChild,
  type OpenServer,
} from './cache-bench-setup.ts';
import type { CacheLoadMeasured } from './cache-load.ts';
import { BenchRedisServer } from './cache-redis-server.ts';
import type { CacheServerRequest } from './cache-server.ts';

const LIST_PATH = '/api/v1/cleanrooms';
const CONNECTIONS = 10;
/** REDIS_COMMAND_TIMEOUT_MS of the platform under test (the default). */
const COMMAND_TIMEOUT_MS = 100;
const targets = { latencyMs: COMMAND_TIMEOUT_MS + 20, recoveryMs: 5_000 };
/** Interval of the health polls that time degradation and recovery, in milliseconds. */
const POLL_MS = 20;

/** When each outage step happens, as a share of the load's duration. */
const timeline = { freeze: 0.2, thaw: 0.35, kill: 0.5, restart: 0.7 };

interface OutageEvents {
  /** Milliseconds from SIGSTOP until the cache reported degraded, or null if it never did. */
  degradedAfterFreezeMs: number | null;
  /** Milliseconds from SIGCONT until the cache reported ok again. */
  recoveredAfterThawMs: number | null;
  degradedAfterKillMs: number | null;
  /** Milliseconds from the restarted redis-server accepting connections until the cache reported ok. */
  recoveredAfterRestartMs: number | null;
}

/**
 * Load on the cached list while the cache's Redis is first frozen
 * (SIGSTOP: connections stay open, commands time out) and later killed and
 * restarted. Every request of this setup touches Redis, because the
 * in-process tier is off. Requests must bypass to PostgreSQL without errors,
 * and the cache must recover on its own.
 */
export const cacheRedisOutageScenario: BenchScenario = {
  name: 'cache-redis-outage',
  description: `\`GET ${LIST_PATH}\` at ${CONNECTIONS} connections on the platform on PostgreSQL with the Redis cache tier only (CACHE_L1_ENABLED=false, REDIS_COMMAND_TIMEOUT_MS=${COMMAND_TIMEOUT_MS}). During the load the bench's own redis-server is frozen with SIGSTOP, resumed, then killed and restarted empty.`,
  async run(context) {
    const durationSeconds = context.smoke ? 4 : 20;
    const schema = benchSchema();
    const redis = await BenchRedisServer.start(context.cpuLayout.server, context.pinning);
    const load = await startLoadChild(context);
    let server: OpenServer | null = null;
    try {
      server = await openPlatformServer(context, {
        variant: 'l2',
        schema,
        redisUrl: redis.url,
        seed: true,
      });
      context.progress('warming for 1 s');
      await runLoad(load, server, LIST_PATH, { connections: CONNECTIONS, durationSeconds: 1 });
      context.progress(
        `${durationSeconds} s of load with Redis frozen, resumed, killed and restarted`,
      );
      // One attempt: the outage cannot be replayed from the same state, so a noisy run is marked, not repeated.
      const round = await measureRoundWithPostgres(
        () =>
          Promise.all([
            runLoad(load, server!, LIST_PATH, {
              connections: CONNECTIONS,
              durationSeconds,
              timeoutSeconds: 5,
            }),
            runOutage(context, server!.child, redis, durationSeconds * 1000),
          ]),
        undefined,
        1,
      );
      const [measured, events] = round.value;
      return buildReport(measured, events, durationSeconds, {
        gated: !context.smoke,
        noisy: round.noisy,
        foreignCpuShare: round.foreignCpuShare,
      });
    } finally {
      await server?.child.stop().catch(() => undefined);
      await load.stop().catch(() => undefined);
      await redis.stop();
      await dropBenchSchema(schema);
    }
  },
};

async function runOutage(
  context: ScenarioContext,
  server: BenchChild,
  redis: BenchRedisServer,
  durationMs: number,
): Promise<OutageEvents> {
  const started = performance.now();
  const at = (share: number) =>
    sleep(Math.max(0, started + share * durationMs - performance.now()));
  const health = () =>
    server.request<string>({ kind: 'cache-health' } satisfies CacheServerRequest);
  const waitFor = (status: string, deadline: number) => pollUntil(health, status, deadline);

  await at(timeline.freeze);
  context.progress('freezing redis-server (SIGSTOP)');
  redis.freeze();
  const degradedAfterFreezeMs = await waitFor('degraded', started + timeline.thaw * durationMs);
  await at(timeline.thaw);
  redis.thaw();
  const recoveredAfterThawMs = await waitFor('ok', started + timeline.kill * durationMs);

  await at(timeline.kill);
  context.progress('killing redis-server (SIGKILL)');
  await redis.stop();
  const degradedAfterKillMs = await waitFor('degraded', started + timeline.restart * durationMs);
  await at(timeline.restart);
  context.progress('restarting redis-server');
  await redis.restart();
  const recoveredAfterRestartMs = await waitFor('ok', started + durationMs);
  return {
    degradedAfterFreezeMs,
    recoveredAfterThawMs,
    degradedAfterKillMs,
    recoveredAfterRestartMs,
  };
}

/** Polls `health` until it returns `status` and returns the milliseconds that took, or null at `deadline`. */
async function pollUntil(
  health: () => Promise<string>,
  status: string,
  deadline: number,
): Promise<number | null> {
  const started = performance.now();
  while (performance.now() < deadline) {
    if ((await health()) === status) return performance.now() - started;
    await sleep(POLL_MS);
  }
  return null;
}

function buildReport(
  measured: CacheLoadMeasured,
  events: OutageEvents,
  durationSeconds: number,
  run: { gated: boolean; noisy: boolean; foreignCpuShare: number },
): ScenarioReport {
  const { gated, noisy } = run;
  const target = (value: number) => (gated ? { comparison: '<=' as const, value } : null);
  const never = Number.POSITIVE_INFINITY;
  const figures: Figure[] = [
    {
      name: 'Redis outage: errors and non-2xx responses',
      value: measured.errors + measured.non2xx,
      unit: 'requests',
      target: target(0),
      noisy,
    },
    {
      name: 'Redis outage: p99 latency',
      value: measured.p99Ms,
      unit: 'ms',
      target: target(targets.latencyMs),
      noisy,
    },
    {
      name: 'Redis outage: maximum latency',
      value: measured.maxMs,
      unit: 'ms',
      target: target(targets.latencyMs),
      noisy,
    },
    {
      name: 'Redis outage: recovery after restart',
      value: events.recoveredAfterRestartMs ?? never,
      unit: 'ms',
      target: target(targets.recoveryMs),
      noisy,
    },
    {
      name: 'Redis outage: recovery after a freeze ends',
      value: events.recoveredAfterThawMs ?? never,
      unit: 'ms',
      target: target(targets.recoveryMs),
      noisy,
    },
  ];
  const show = (value: number | null) =>
    value === null ? 'never within the step' : formatMs(value);
  return {
    figures,
    details: [
      `Timeline over ${durationSeconds} s of load: SIGSTOP at ${timeline.freeze * 100}%, SIGCONT at ${timeline.thaw * 100}%, SIGKILL at ${timeline.kill * 100}%, restart at ${timeline.restart * 100}%. The cache's health, polled every ${POLL_MS} ms over IPC, turned degraded ${show(events.degradedAfterFreezeMs)} after the freeze and ok ${show(events.recoveredAfterThawMs)} after SIGCONT; degraded ${show(events.degradedAfterKillMs)} after the kill and ok ${show(events.recoveredAfterRestartMs)} after the restarted server accepted connections.`,
      `${measured.requests} requests at ${Math.round(measured.requestsPerSecond)} req/s; p50 ${formatMs(measured.p50Ms)}, p99 ${formatMs(measured.p99Ms)}, max ${formatMs(measured.maxMs)}. Target: no request above the command timeout + 20 ms (${targets.latencyMs} ms), no errors, recovery within ${targets.recoveryMs / 1000} s.`,
      `Server, redis-server and PostgreSQL as in cache-endpoint. autocannon runs in a child on the load CPU. One run, not repeated when noisy: foreign CPU ${(run.foreignCpuShare * 100).toFixed(1)}%.`,
    ],
    tables: [],
  };
}
