import type { BenchChild } from '../lib/child-runner.ts';
import { formatFigureValue } from '../lib/report.ts';
import { median, type MeasuredRound } from '../lib/rounds.ts';
import type {
  BenchScenario,
  Figure,
  ReportTable,
  ScenarioContext,
  ScenarioReport,
} from '../lib/types.ts';
import {
  benchSchema,
  dropBenchSchema,
  formatMs,
  measureRoundWithPostgres,
  openBareServer,
  openPlatformServer,
  runLoad,
  runLoadWithCpu,
  seedBenchDatabase,
  startLoadChild,
  type CacheLoadWithCpu,
  type OpenServer,
} from './cache-bench-setup.ts';
import type { CacheLoadMeasured, CacheLoadRequest } from './cache-load.ts';
import { BenchRedisServer } from './cache-redis-server.ts';
import { cacheVariants, type CacheVariant } from './cache-variants.ts';

const LIST_PATH = '/api/v1/cleanrooms';
const CONNECTIONS = 50;
const MANY_CONNECTIONS = 500;
const targets = {
  l1: { ratio: 0.5, p99Ms: 5 },
  l2: { ratio: 0.3, p99Ms: 8 },
  uncached: { ratio: 0.12, p99Ms: 20 },
  many: { p99Ms: 50 },
};
const variantNames: Record<CacheVariant, string> = {
  'bare-node': 'bare node:http',
  l1: 'in-process hit',
  l2: 'Redis hit (in-process tier off)',
  uncached: 'uncached (PostgreSQL)',
};

interface Sizes {
  roundCount: number;
  /** Alternating pairs of 500-connection runs, bare node:http then the in-process variant. */
  manyRoundCount: number;
  durationSeconds: number;
  warmUpSeconds: number;
}

type RoundLoads = Record<CacheVariant, CacheLoadWithCpu>;
type ManyRound = Record<'bare' | 'platform', MeasuredRound<CacheLoadMeasured>>;

/**
 * Throughput and latency of the cached clean room list against bare
 * node:http sending the same bytes, in alternating rounds: served from the
 * in-process tier, from Redis, and uncached. Then the in-process variant
 * under 500 connections.
 */
export const cacheEndpointScenario: BenchScenario = {
  name: 'cache-endpoint',
  description: `\`GET ${LIST_PATH}\` of the demo advertiser (API key authentication, organization scoping, the cache lookup) on the real platform on PostgreSQL. It runs three ways: from the in-process cache tier, from Redis (CACHE_L1_ENABLED=false), and uncached (CACHE_ENABLED=false, so the list is read from PostgreSQL on every request, while API key lookups stay cached in process memory). The first two are served by the response memo in front of Fastify (see docs/cache.md). Each is compared with bare \`node:http\` sending the same bytes. The load is autocannon with ${CONNECTIONS} keep-alive connections, then ${MANY_CONNECTIONS} on the in-process variant.`,
  async run(context) {
    const sizes: Sizes = context.smoke
      ? { roundCount: 1, manyRoundCount: 1, durationSeconds: 1, warmUpSeconds: 1 }
      : { roundCount: 5, manyRoundCount: 3, durationSeconds: 5, warmUpSeconds: 3 };
    const schema = benchSchema();
    const redis = await BenchRedisServer.start(context.cpuLayout.server, context.pinning);
    const load = await startLoadChild(context);
    const servers = new Map<CacheVariant, OpenServer>();
    try {
      await openServers(context, servers, schema, redis.url, load);
      const rounds = await measureRounds(context, load, servers, sizes);
      context.progress(
        `${MANY_CONNECTIONS} connections, alternating bare node:http and the in-process variant`,
      );
      const runMany = (variant: CacheVariant) =>
        measureRoundWithPostgres(
          () =>
            runLoad(load, servers.get(variant)!, LIST_PATH, {
              connections: MANY_CONNECTIONS,
              durationSeconds: sizes.durationSeconds,
            }),
          undefined,
          context.smoke ? 1 : undefined,
        );
      // Alternating runs, as in the rounds above, because a single run's p99 at this load varied from 54 to 83 ms.
      const manyRounds: ManyRound[] = [];
      for (let round = 1; round <= sizes.manyRoundCount; round += 1) {
        manyRounds.push({ bare: await runMany('bare-node'), platform: await runMany('l1') });
      }
      return buildReport(rounds, manyRounds, sizes, {
        server: servers.get('l1')!.child.readCpusAllowed(),
        load: load.readCpusAllowed(),
        database: servers.get('l1')!.database,
        gated: !context.smoke,
      });
    } finally {
      for (const server of servers.values()) await server.child.stop().catch(() => undefined);
      await load.stop().catch(() => undefined);
      await redis.stop();
      await dropBenchSchema(schema);
    }
  },
};

async function openServers(
  context: ScenarioContext,
  servers: Map<CacheVariant, OpenServer>,
  schema: string,
  redisUrl: string,
  load: BenchChild,
): Promise<void> {
  await seedBenchDatabase(context, schema, redisUrl);
  servers.set(
    'l1',
    await openPlatformServer(context, { variant: 'l1', schema, redisUrl, seed: false }),
  );
  servers.set(
    'l2',
    await openPlatformServer(context, { variant: 'l2', schema, redisUrl, seed: false }),
  );
  servers.set(
    'uncached',
    await openPlatformServer(context, { variant: 'uncached', schema, redisUrl, seed: false }),
  );
  const apiKey = servers.get('l1')!.apiKey;
  const [body] = await probe(load, [`${servers.get('l1')!.url}${LIST_PATH}`], apiKey);
  servers.set('bare-node', await openBareServer(context, body!));

  const urls = cacheVariants.map((variant) => `${servers.get(variant)!.url}${LIST_PATH}`);
  const bodies = await probe(load, urls, apiKey);
  if (new Set(bodies).size !== 1) {
    throw new Error(`The servers sent different bodies: ${bodies.join(' | ')}`);
  }
}

function probe(load: BenchChild, urls: string[], apiKey: string): Promise<string[]> {
  return load.request<string[]>({
    kind: 'probe',
    urls,
    headers: { authorization: `Bearer ${apiKey}` },
  } satisfies CacheLoadRequest);
}

async function measureRounds(
  context: ScenarioContext,
  load: BenchChild,
  servers: Map<CacheVariant, OpenServer>,
  sizes: Sizes,
): Promise<MeasuredRound<RoundLoads>[]> {
  const run = (variant: CacheVariant, durationSeconds: number) =>
    runLoadWithCpu(load, servers.get(variant)!, LIST_PATH, {
      connections: CONNECTIONS,
      durationSeconds,
    });

  context.progress(`warming each server for ${sizes.warmUpSeconds} s`);
  for (const variant of cacheVariants) await run(variant, sizes.warmUpSeconds);

  const rounds: MeasuredRound<RoundLoads>[] = [];
  for (let round = 1; round <= sizes.roundCount; round += 1) {
    context.progress(`round ${round} of ${sizes.roundCount}`);
    rounds.push(
      await measureRoundWithPostgres(
        async () => {
          const loads = {} as RoundLoads;
          for (const variant of cacheVariants)
            loads[variant] = await run(variant, sizes.durationSeconds);
          return loads;
        },
        (share, attempt) =>
          context.progress(
            `round ${round} attempt ${attempt} saw ${(share * 100).toFixed(1)}% foreign CPU; repeating it`,
          ),
        context.smoke ? 1 : undefined,
      ),
    );
  }
  return rounds;
}

function buildReport(
  rounds: MeasuredRound<RoundLoads>[],
  manyRounds: ManyRound[],
  sizes: Sizes,
  setup: { server: string | null; load: string | null; database: string; gated: boolean },
): ScenarioReport {
  const manyNoisy = (side: keyof ManyRound) => manyRounds.some((round) => round[side].noisy);
  const manyP99 = (side: keyof ManyRound) =>
    median(manyRounds.map((round) => round[side].value.p99Ms));
  const noisy = rounds.some((round) => round.noisy);
  const values = rounds.map((round) => round.value);
  const target = (comparison: '<=' | '>=', value: number) =>
    setup.gated ? { comparison, value } : null;
  const figures: Figure[] = [];
  for (const variant of ['l1', 'l2', 'uncached'] as const) {
    const ratio = median(
      values.map(
        (round) => round[variant].requestsPerSecond / round['bare-node'].requestsPerSecond,
      ),
    );
    const name = `Cached list, ${variantNames[variant]}`;
    figures.push(
      {
        name: `${name}: req/s vs bare node (median of per-round ratios)`,
        value: ratio,
        unit: 'x',
        target: target('>=', targets[variant].ratio),
        noisy,
      },
      {
        name: `${name}: p99`,
        value: median(values.map((round) => round[variant].p99Ms)),
        unit: 'ms',
        target: target('<=', targets[variant].p99Ms),
        noisy,
      },
      {
        name: `${name}: p50`,
        value: median(values.map((round) => round[variant].p50Ms)),
        unit: 'ms',
        target: null,
        noisy,
      },
      {
        name: `${name}: req/s`,
        value: Math.round(median(values.map((round) => round[variant].requestsPerSecond))),
        unit: 'req/s',
        target: null,
        noisy,
      },
      {
        name: `${name}: server CPU per request`,
        value: cpuPerRequest(values, variant),
        unit: 'µs',
        target: null,
        noisy,
      },
      {
        name: `${name}: bare node:http server CPU per request / this server's (median of per-round ratios)`,
        value: median(
          values.map(
            (round) =>
              round['bare-node'].serverCpuMicrosecondsPerRequest /
              round[variant].serverCpuMicrosecondsPerRequest,
          ),
        ),
        unit: 'x',
        target: null,
        noisy,
      },
    );
  }
  figures.push(
    {
      name: 'Bare node:http, same bytes: req/s',
      value: Math.round(median(values.map((round) => round['bare-node'].requestsPerSecond))),
      unit: 'req/s',
      target: null,
      noisy,
    },
    {
      name: 'Bare node:http, same bytes: server CPU per request',
      value: cpuPerRequest(values, 'bare-node'),
      unit: 'µs',
      target: null,
      noisy,
    },
    {
      name: `Cached list, in-process hit, ${MANY_CONNECTIONS} connections: errors`,
      value: manyRounds.reduce(
        (sum, round) => sum + round.platform.value.errors + round.platform.value.non2xx,
        0,
      ),
      unit: 'requests',
      target: target('<=', 0),
      noisy: manyNoisy('platform'),
    },
    {
      name: `Cached list, in-process hit, ${MANY_CONNECTIONS} connections: p99 (median of runs)`,
      value: manyP99('platform'),
      unit: 'ms',
      target: target('<=', targets.many.p99Ms),
      noisy: manyNoisy('platform'),
    },
    {
      name: `Bare node:http, same bytes, ${MANY_CONNECTIONS} connections: p99 (context for the figure above)`,
      value: manyP99('bare'),
      unit: 'ms',
      target: null,
      noisy: manyNoisy('bare'),
    },
  );
  const errors = values.reduce(
    (sum, round) =>
      sum +
      cacheVariants.reduce(
        (inner, variant) => inner + round[variant].errors + round[variant].non2xx,
        0,
      ),
    0,
  );
  return {
    figures,
    details: [
      `Servers: the demo is seeded from a child of its own first, then one fresh child per variant starts, each pinned to CPU ${setup.server ?? 'unknown'} (Cpus_allowed_list), database ${setup.database} (a schema of its own, dropped afterwards, reached directly, so with DATABASE_PREPARED_STATEMENTS=true and DATABASE_PIPELINE_CONNECTIONS=2 as docs/deployment.md recommends for a direct connection), the small demo seed, LOG_LEVEL=warn. The Redis tier uses a redis-server the bench starts on a free port, pinned to the server CPU as well. The bare server sends the bytes the platform returned, and every server was checked to send the same body before timing.`,
      `Load: autocannon in a child pinned to CPU ${setup.load ?? 'unknown'}, ${CONNECTIONS} connections, ${sizes.durationSeconds} s per variant per round after ${sizes.warmUpSeconds} s of warm-up each; rounds alternate bare, in-process, Redis, uncached. The ${MANY_CONNECTIONS}-connection runs: ${sizes.manyRoundCount} pairs of ${sizes.durationSeconds} s after the rounds, bare node:http then the in-process variant. The p99 (requests, max) of each pair: ${manyRounds.map((round) => `${describeMany(round.bare)} / ${describeMany(round.platform)}`).join('; ')}.`,
      `PostgreSQL's processes count as the bench's own CPU in the foreign CPU check, because the uncached variant works there. Errors and non-2xx responses over all rounds: ${errors}.`,
      'The in-process variant replays whole responses from the response memo while both cached answers (API key and list) stay current. The Redis variant replays them too, after a GET of the list entry returns the same bytes. The uncached variant runs the full Fastify pipeline on every request.',
      'Each uncached request makes one PostgreSQL query, the list query. It returns each room as one JSON column (see listStatement in clean-rooms-repository.ts). Once it ran 20 times on the pool, it goes over one of the 2 pipelined connections (docs/deployment.md, "Pipelined connections"). CACHE_ENABLED=false keeps API key lookups cached in process memory, as in production, so authentication costs no round trip. The uncached request also runs the response schema and JSON serialization, which cached bodies skip.',
      "Server CPU per request is the server process's CPU time (user plus system, process.cpuUsage) over one load divided by the requests autocannon completed. It is the cost of a request on the server core and less sensitive than req/s to other programs taking the CPU. For the uncached variant it leaves out the work of PostgreSQL's own processes. Reported for context, not gated.",
    ],
    tables: [roundsTable(rounds)],
  };
}

/** Median server CPU time per request of one variant, in microseconds, to one decimal. */
function cpuPerRequest(values: RoundLoads[], variant: CacheVariant): number {
  const perRound = values.map((round) => round[variant].serverCpuMicrosecondsPerRequest);
  return Number(median(perRound).toFixed(1));
}

function roundsTable(rounds: MeasuredRound<RoundLoads>[]): ReportTable {
  return {
    title: 'Rounds (req/s, p99 and server CPU per request, per variant)',
    columns: [
      'Round',
      ...cacheVariants.map((variant) => variantNames[variant]),
      'Foreign CPU',
      'Attempts',
      'Noisy',
    ],
    rows: rounds.map((round, index) => [
      String(index + 1),
      ...cacheVariants.map(
        (variant) =>
          `${formatFigureValue(round.value[variant].requestsPerSecond, 'req/s')}, p99 ${formatMs(round.value[variant].p99Ms)}, ${round.value[variant].serverCpuMicrosecondsPerRequest.toFixed(1)} µs`,
      ),
      `${(round.foreignCpuShare * 100).toFixed(1)}%`,
      String(round.attempts),
      round.noisy ? 'yes' : 'no',
    ]),
  };
}

function describeMany(run: MeasuredRound<CacheLoadMeasured>): string {
  const { p99Ms, requests, maxMs } = run.value;
  return `${formatMs(p99Ms)} (${requests}, max ${formatMs(maxMs)})`;
}
