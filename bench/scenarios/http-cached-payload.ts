import { fileURLToPath } from 'node:url';
import { BenchChild, type StartChildOptions } from '../lib/child-runner.ts';
import { formatFigureValue } from '../lib/report.ts';
import { measureRound, median, type MeasuredRound } from '../lib/rounds.ts';
import type {
  BenchScenario,
  Figure,
  ReportTable,
  ScenarioContext,
  ScenarioReport,
} from '../lib/types.ts';
import type { HttpLoadMeasured, HttpLoadRequest } from './http-cached-payload-load.ts';
import type { HttpServerOpened, HttpServerRequest } from './http-cached-payload-server.ts';
import { serverVariants, type ServerVariant } from './http-cached-payload-variants.ts';

const serverScript = fileURLToPath(new URL('./http-cached-payload-server.ts', import.meta.url));
const loadScript = fileURLToPath(new URL('./http-cached-payload-load.ts', import.meta.url));
const targets = { ratio: 0.85, p99Ms: 3 };
const CONNECTIONS = 50;

const variantNames: Record<ServerVariant, string> = {
  'bare-node': 'bare node:http',
  'fastify-serialized': 'Fastify route serializing on each request',
  fastify: 'Fastify route',
  'fastify-delivery': 'Fastify route with the delivery plugins',
};
/** Short names for the rounds table. */
const columnNames: Record<ServerVariant, string> = {
  'bare-node': 'Bare',
  'fastify-serialized': 'Serializing',
  fastify: 'Fastify',
  'fastify-delivery': 'Delivery',
};
/** Variants compared with bare node:http. Only `fastify` has a target. */
const comparedVariants = ['fastify', 'fastify-delivery', 'fastify-serialized'] as const;

/** One load of one server, with the server's own CPU time per request. */
interface VariantLoad extends HttpLoadMeasured {
  /** Server process CPU time (user plus system) divided by the requests it served, in microseconds. */
  serverCpuMicrosecondsPerRequest: number;
}

type RoundLoads = Record<ServerVariant, VariantLoad>;

interface Sizes {
  roundCount: number;
  durationSeconds: number;
  warmUpSeconds: number;
}

/**
 * Throughput and latency of a Fastify route that returns a payload held in
 * memory, against bare node:http sending the same bytes. Three Fastify
 * servers are measured: the route as the clean room list sends a cached page
 * (body and ETag memoized per cached value), the same route behind the
 * delivery plugins every response of the real server passes (security
 * headers, ETag and cache headers, compression, request metrics), and a
 * route that serializes the payload with its response schema on each
 * request. Each server is a fresh child pinned to the server CPU, and
 * autocannon runs in a child pinned to the other CPU. Rounds alternate the
 * four servers.
 */
export const httpCachedPayloadScenario: BenchScenario = {
  name: 'http-cached-payload',
  description:
    'GET of a ~600-byte JSON page held in memory: bare `node:http` (serialized once) vs a Fastify route with a response schema that sends the body and ETag memoized per cached value (as the clean room list and detail routes do) vs the same route behind the delivery plugins (helmet headers, ETag, Cache-Control, compression check, request metrics) vs a Fastify route that serializes on each request (fast-json-stringify). autocannon, 50 keep-alive connections, on 127.0.0.1.',
  async run(context) {
    const sizes: Sizes = context.smoke
      ? { roundCount: 1, durationSeconds: 1, warmUpSeconds: 1 }
      : { roundCount: 7, durationSeconds: 5, warmUpSeconds: 3 };
    const servers = new Map<ServerVariant, { child: BenchChild; url: string }>();
    const load = await BenchChild.start(childOptions(context, loadScript, context.cpuLayout.load));

    try {
      for (const variant of serverVariants)
        servers.set(variant, await openServer(context, variant));
      await checkSameBytes(load, servers);
      const rounds = await measureRounds(context, load, servers, sizes);
      return buildReport(rounds, sizes, {
        server: servers.get('bare-node')?.child.readCpusAllowed() ?? null,
        load: load.readCpusAllowed(),
        gated: !context.smoke,
      });
    } finally {
      for (const { child } of servers.values()) await child.stop().catch(() => undefined);
      await load.stop().catch(() => undefined);
    }
  },
};

function childOptions(context: ScenarioContext, script: string, cpus: string): StartChildOptions {
  return { script, cpus, pinning: context.pinning, requestTimeoutMs: 120_000 };
}

async function openServer(
  context: ScenarioContext,
  variant: ServerVariant,
): Promise<{ child: BenchChild; url: string }> {
  context.progress(`starting ${variantNames[variant]}`);
  const child = await BenchChild.start(
    childOptions(context, serverScript, context.cpuLayout.server),
  );
  const opened = await child.request<HttpServerOpened>({
    kind: 'open',
    variant,
  } satisfies HttpServerRequest);
  return { child, url: opened.url };
}

/** Fails the scenario unless every server sends the same body. */
async function checkSameBytes(
  load: BenchChild,
  servers: Map<ServerVariant, { url: string }>,
): Promise<void> {
  const urls = [...servers.values()].map((server) => server.url);
  const bodies = await load.request<string[]>({ kind: 'probe', urls } satisfies HttpLoadRequest);
  if (new Set(bodies).size !== 1) {
    throw new Error(`The servers sent different bodies: ${bodies.join(' | ')}`);
  }
}

async function measureRounds(
  context: ScenarioContext,
  load: BenchChild,
  servers: Map<ServerVariant, { child: BenchChild; url: string }>,
  sizes: Sizes,
): Promise<MeasuredRound<RoundLoads>[]> {
  const run = async (variant: ServerVariant, durationSeconds: number): Promise<VariantLoad> => {
    const server = servers.get(variant);
    if (server === undefined) throw new Error(`No ${variant} server was started`);
    const cpuBefore = await server.child.request<number>({
      kind: 'cpu',
    } satisfies HttpServerRequest);
    const measured = await load.request<HttpLoadMeasured>({
      kind: 'load',
      url: server.url,
      connections: CONNECTIONS,
      durationSeconds,
    } satisfies HttpLoadRequest);
    const cpuAfter = await server.child.request<number>({
      kind: 'cpu',
    } satisfies HttpServerRequest);
    return {
      ...measured,
      serverCpuMicrosecondsPerRequest: (cpuAfter - cpuBefore) / Math.max(1, measured.requests),
    };
  };

  context.progress(`warming each server for ${sizes.warmUpSeconds} s`);
  for (const variant of serverVariants) await run(variant, sizes.warmUpSeconds);

  const rounds: MeasuredRound<RoundLoads>[] = [];
  for (let round = 1; round <= sizes.roundCount; round += 1) {
    context.progress(`round ${round} of ${sizes.roundCount}`);
    rounds.push(
      await measureRound(
        async () => {
          const loads = {} as RoundLoads;
          for (const variant of serverVariants)
            loads[variant] = await run(variant, sizes.durationSeconds);
          return loads;
        },
        (share, attempt) =>
          context.progress(
            `round ${round} attempt ${attempt} saw ${(share * 100).toFixed(1)}% foreign CPU; repeating it`,
          ),
      ),
    );
  }
  return rounds;
}

function buildReport(
  rounds: MeasuredRound<RoundLoads>[],
  sizes: Sizes,
  setup: { server: string | null; load: string | null; gated: boolean },
): ScenarioReport {
  const noisy = rounds.some((round) => round.noisy);
  const values = rounds.map((round) => round.value);
  const target = (comparison: '<=' | '>=', value: number) =>
    setup.gated ? { comparison, value } : null;
  const ratioOf = (variant: ServerVariant) =>
    median(
      values.map(
        (round) => round[variant].requestsPerSecond / round['bare-node'].requestsPerSecond,
      ),
    );
  const cpuRatioOf = (variant: ServerVariant) =>
    median(
      values.map(
        (round) =>
          round['bare-node'].serverCpuMicrosecondsPerRequest /
          round[variant].serverCpuMicrosecondsPerRequest,
      ),
    );
  const medianOf = (variant: ServerVariant, pick: (load: VariantLoad) => number) =>
    median(values.map((round) => pick(round[variant])));

  // The target is the framework's floor: a route with a response schema. The
  // delivery plugins' cost is reported beside it, ungated.
  const gatedTarget = (variant: ServerVariant, comparison: '<=' | '>=', value: number) =>
    variant === 'fastify' ? target(comparison, value) : null;
  const figures: Figure[] = [];
  for (const variant of comparedVariants) {
    figures.push(
      {
        name: `${variantNames[variant]} returning a cached payload from memory / bare node:http (req/s, median of per-round ratios)`,
        value: ratioOf(variant),
        unit: 'x',
        target: gatedTarget(variant, '>=', targets.ratio),
        noisy,
      },
      {
        name: `${variantNames[variant]}: bare node:http server CPU per request / this server's (median of per-round ratios)`,
        value: cpuRatioOf(variant),
        unit: 'x',
        target: null,
        noisy,
      },
      {
        name: `${variantNames[variant]} p99 at ${CONNECTIONS} connections`,
        value: medianOf(variant, (load) => load.p99Ms),
        unit: 'ms',
        target: gatedTarget(variant, '<=', targets.p99Ms),
        noisy,
      },
    );
  }
  for (const variant of serverVariants) {
    figures.push({
      name: `${variantNames[variant]} server CPU per request`,
      value: Number(medianOf(variant, (load) => load.serverCpuMicrosecondsPerRequest).toFixed(1)),
      unit: 'µs',
      target: null,
      noisy,
    });
  }
  figures.push({
    name: 'bare node:http req/s',
    value: Math.round(medianOf('bare-node', (load) => load.requestsPerSecond)),
    unit: 'req/s',
    target: null,
    noisy,
  });
  return { figures, details: describeSetup(rounds, sizes, setup), tables: [roundsTable(rounds)] };
}

function describeSetup(
  rounds: MeasuredRound<RoundLoads>[],
  sizes: Sizes,
  setup: { server: string | null; load: string | null },
): string[] {
  const failures = rounds.reduce(
    (sum, round) =>
      sum +
      serverVariants.reduce((inner, v) => inner + round.value[v].errors + round.value[v].non2xx, 0),
    0,
  );
  return [
    `Servers: four fresh children pinned to CPU ${setup.server ?? 'unknown'} (Cpus_allowed_list), idle while another is loaded. Load: autocannon in a child pinned to CPU ${setup.load ?? 'unknown'}, ${CONNECTIONS} keep-alive connections, no pipelining, no Accept-Encoding (the body is below the 1 KiB compression threshold anyway).`,
    `The Fastify route and the route with the delivery plugins send the body and ETag that createMemoizedJsonSender computed once for the cached page object with the route's zod response schema, as GET /api/v1/cleanrooms does for a cached page. The serializing route runs Fastify's JSON schema serializer on each request and sends no ETag.`,
    `Each server is warmed ${sizes.warmUpSeconds} s, then ${sizes.roundCount} round(s) load ${serverVariants.map((variant) => variantNames[variant]).join(', ')} for ${sizes.durationSeconds} s each, in that order. The ratio is per round, and figures are medians over rounds. All four servers sent the same bytes before timing. The rounds saw ${failures} errors or non-2xx responses.`,
    `Targets: the Fastify route >= ${targets.ratio}x bare node:http and p99 <= ${targets.p99Ms} ms. The route behind the delivery plugins is reported without a target: it shows what the security headers, ETag, Cache-Control and request metrics add to every response. So is the serializing route, which shows what the memoized body saves.`,
    'Server CPU per request is the server process CPU time (user plus system, process.cpuUsage) over one load divided by the requests autocannon completed. It is the cost of a request on the server core, so its ratio estimates the throughput ratio on a dedicated core and is less sensitive than req/s to other programs taking the CPU. It is reported for context, not gated.',
  ];
}

function roundsTable(rounds: MeasuredRound<RoundLoads>[]): ReportTable {
  return {
    title: 'Rounds',
    columns: [
      'Round',
      ...serverVariants.map((variant) => `${columnNames[variant]} req/s`),
      ...comparedVariants.map((variant) => `${columnNames[variant]} ratio`),
      ...serverVariants.map((variant) => `${columnNames[variant]} p99`),
      `CPU/req ${serverVariants.map((variant) => columnNames[variant].toLowerCase()).join(', ')}`,
      'Foreign CPU',
      'Attempts',
    ],
    rows: rounds.map((round, index) => {
      const loads = round.value;
      const bare = loads['bare-node'].requestsPerSecond;
      return [
        String(index + 1),
        ...serverVariants.map((variant) => loads[variant].requestsPerSecond.toFixed(0)),
        ...comparedVariants.map((variant) =>
          formatFigureValue(loads[variant].requestsPerSecond / bare, 'x'),
        ),
        ...serverVariants.map((variant) => `${loads[variant].p99Ms} ms`),
        serverVariants
          .map((variant) => `${loads[variant].serverCpuMicrosecondsPerRequest.toFixed(1)} µs`)
          .join(', '),
        `${(round.foreignCpuShare * 100).toFixed(1)}%`,
        String(round.attempts),
      ];
    }),
  };
}
