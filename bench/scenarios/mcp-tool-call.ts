import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withBenchChild, type BenchChild } from '../lib/child-runner.ts';
import { formatFigureValue } from '../lib/report.ts';
import { measureRound, median, type MeasuredRound } from '../lib/rounds.ts';
import type { BenchScenario, Figure, ScenarioContext, ScenarioReport } from '../lib/types.ts';
import type { McpCapacityMeasured, McpCapacityRequest } from './mcp-tool-call-capacity.ts';
import type { McpLoadConnected, McpLoadMeasured, McpLoadRequest } from './mcp-tool-call-load.ts';
import type { McpServerOpened, McpServerRequest } from './mcp-tool-call-server.ts';

const serverScript = fileURLToPath(new URL('./mcp-tool-call-server.ts', import.meta.url));
const loadScript = fileURLToPath(new URL('./mcp-tool-call-load.ts', import.meta.url));
const targets = { p50Ratio: 2, p99Ratio: 2.5, mcpP50Ms: 2, callsPerSecond: 2000 };
const endDate = '2026-11-30';

interface Percentiles {
  p50: number;
  p99: number;
}

interface RoundLatencies {
  rest: Percentiles;
  mcp: Percentiles;
  /** MaxListenersExceededWarning count in the client process after the round. */
  listenerWarnings: number;
}

/** Sizes of the capacity phase: calls spread over sessions, from concurrent connections. */
interface CapacitySizes {
  roundCount: number;
  sessions: number;
  connections: number;
  durationSeconds: number;
}

interface Measurements {
  opened: McpServerOpened;
  connected: McpLoadConnected;
  rounds: MeasuredRound<RoundLatencies>[];
  capacityRounds: MeasuredRound<McpCapacityMeasured>[];
  capacity: CapacitySizes;
  batchSize: number;
  warmUpMs: number;
  serverCpus: string | null;
  loadCpus: string | null;
  gated: boolean;
}

/**
 * Times the round trip of an MCP tool call over Streamable HTTP against the
 * equivalent REST GET on loopback, in the same run. The server runs in one
 * pinned child and the SDK client and fetch in another. Batches of
 * sequential calls alternate: REST, MCP, REST, and so on.
 */
export const mcpToolCallScenario: BenchScenario = {
  name: 'mcp-tool-call',
  description:
    'Round trip of `tools/call list_clean_rooms` over MCP Streamable HTTP (official SDK client, one initialized session, SSE responses) against `GET /api/v1/cleanrooms` (fetch, keep-alive) on the same server: the real platform on embedded PGlite with the small demo seed, on 127.0.0.1. Calls are sequential, one at a time, so those figures are latencies. A capacity phase then sends the same call from autocannon over several sessions and connections at once, for calls per second with the server on one core.',
  async run(context) {
    const batchSize = context.smoke ? 100 : 1000;
    const roundCount = context.smoke ? 1 : 7;
    const warmUpMs = context.smoke ? 500 : 3000;
    const capacity: CapacitySizes = context.smoke
      ? { roundCount: 1, sessions: 2, connections: 4, durationSeconds: 1 }
      : { roundCount: 3, sessions: 8, connections: 16, durationSeconds: 5 };

    const server = await withBenchChild(
      childOptions(context, serverScript, context.cpuLayout.server),
      async (serverChild) => {
        const opened = await openServer(serverChild, context);
        const load = await withBenchChild(
          childOptions(context, loadScript, context.cpuLayout.load),
          (loadChild) =>
            measureAll(loadChild, context, opened, { batchSize, roundCount, warmUpMs, capacity }),
        );
        return { opened, ...load.result, loadCpus: load.cpusAllowed };
      },
    );

    return buildReport({
      ...server.result,
      capacity,
      batchSize,
      warmUpMs,
      serverCpus: server.cpusAllowed,
      gated: !context.smoke,
    });
  },
};

function childOptions(context: ScenarioContext, script: string, cpus: string) {
  return { script, cpus, pinning: context.pinning, requestTimeoutMs: 600_000 };
}

async function openServer(child: BenchChild, context: ScenarioContext): Promise<McpServerOpened> {
  context.progress('starting the server (embedded PGlite, small demo seed)');
  return child.request<McpServerOpened>({
    kind: 'open',
    dataDirectory: join(context.workDirectory, 'server'),
    endDate,
  } satisfies McpServerRequest);
}

async function measureAll(
  load: BenchChild,
  context: ScenarioContext,
  opened: McpServerOpened,
  sizes: { batchSize: number; roundCount: number; warmUpMs: number; capacity: CapacitySizes },
): Promise<Pick<Measurements, 'connected' | 'rounds' | 'capacityRounds'>> {
  const connected = await load.request<McpLoadConnected>({
    kind: 'connect',
    baseUrl: opened.baseUrl,
    apiKey: opened.apiKey,
  } satisfies McpLoadRequest);
  assertSameRooms(connected);

  context.progress(`warming both paths for ${sizes.warmUpMs} ms`);
  await load.request({ kind: 'warm', durationMs: sizes.warmUpMs } satisfies McpLoadRequest);

  context.progress(`${sizes.roundCount} alternating rounds of ${sizes.batchSize} calls per path`);
  const rounds: MeasuredRound<RoundLatencies>[] = [];
  for (let round = 1; round <= sizes.roundCount; round += 1) {
    rounds.push(
      await measureRound(
        async () => {
          const rest = await measureBatch(load, 'rest', sizes.batchSize);
          const mcp = await measureBatch(load, 'mcp', sizes.batchSize);
          return { rest, mcp, listenerWarnings: mcp.listenerWarnings };
        },
        (share, attempt) =>
          context.progress(
            `round ${round} attempt ${attempt} saw ${(share * 100).toFixed(1)}% foreign CPU; repeating it`,
          ),
      ),
    );
  }
  const capacityRounds = await measureCapacityRounds(load, context, opened, sizes.capacity);
  return { connected, rounds, capacityRounds };
}

async function measureCapacityRounds(
  load: BenchChild,
  context: ScenarioContext,
  opened: McpServerOpened,
  sizes: CapacitySizes,
): Promise<MeasuredRound<McpCapacityMeasured>[]> {
  context.progress(
    `capacity: ${sizes.roundCount} rounds of ${sizes.durationSeconds} s, ${sizes.connections} connections over ${sizes.sessions} sessions`,
  );
  const rounds: MeasuredRound<McpCapacityMeasured>[] = [];
  for (let round = 1; round <= sizes.roundCount; round += 1) {
    rounds.push(
      await measureRound(
        () =>
          load.request<McpCapacityMeasured>({
            kind: 'capacity',
            baseUrl: opened.baseUrl,
            apiKey: opened.apiKey,
            sessions: sizes.sessions,
            connections: sizes.connections,
            durationSeconds: sizes.durationSeconds,
          } satisfies McpCapacityRequest),
        (share, attempt) =>
          context.progress(
            `capacity round ${round} attempt ${attempt} saw ${(share * 100).toFixed(1)}% foreign CPU; repeating it`,
          ),
      ),
    );
  }
  return rounds;
}

/** Fails the scenario unless the tool and the REST route return the same rooms. */
function assertSameRooms(connected: McpLoadConnected): void {
  if (connected.mcpMethod === 'tools/list') return;
  const rest = [...connected.restRoomNames].sort().join(', ');
  const mcp = [...connected.mcpRoomNames].sort().join(', ');
  if (rest !== mcp || rest === '')
    throw new Error(`REST listed [${rest}] but list_clean_rooms listed [${mcp}]`);
}

async function measureBatch(
  load: BenchChild,
  path: 'rest' | 'mcp',
  count: number,
): Promise<Percentiles & { listenerWarnings: number }> {
  const { latencies, listenerWarnings } = await load.request<McpLoadMeasured>({
    kind: 'measure',
    path,
    count,
  } satisfies McpLoadRequest);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    listenerWarnings,
  };
}

/** Nearest-rank percentile: the smallest value with at least `share` of the samples at or below it. */
function percentile(values: readonly number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(share * sorted.length));
  return sorted[rank - 1] as number;
}

function buildReport(measured: Measurements): ScenarioReport {
  const { rounds, connected } = measured;
  const noisy = rounds.some((round) => round.noisy);
  const values = rounds.map((round) => round.value);
  const p50Ratio = median(values.map((round) => round.mcp.p50 / round.rest.p50));
  const p99Ratio = median(values.map((round) => round.mcp.p99 / round.rest.p99));
  const mcpName = connected.mcpMethod === 'tools/list' ? 'MCP tools/list' : 'MCP tool call';
  const target = (comparison: '<=' | '>=', value: number) =>
    measured.gated ? { comparison, value } : null;

  const figures: Figure[] = [
    figure(
      `${mcpName} p50 / REST GET p50 (median of per-round ratios)`,
      p50Ratio,
      'x',
      target('<=', targets.p50Ratio),
      noisy,
    ),
    figure(
      `${mcpName} p99 / REST GET p99 (median of per-round ratios)`,
      p99Ratio,
      'x',
      target('<=', targets.p99Ratio),
      noisy,
    ),
    figure(
      `${mcpName} p50`,
      median(values.map((round) => round.mcp.p50)),
      'ms',
      target('<=', targets.mcpP50Ms),
      noisy,
    ),
    figure(`${mcpName} p99`, median(values.map((round) => round.mcp.p99)), 'ms', null, noisy),
    figure(
      'REST GET /api/v1/cleanrooms p50',
      median(values.map((round) => round.rest.p50)),
      'ms',
      null,
      noisy,
    ),
    figure(
      'REST GET /api/v1/cleanrooms p99',
      median(values.map((round) => round.rest.p99)),
      'ms',
      null,
      noisy,
    ),
  ];
  return {
    figures: [...figures, ...capacityFigures(measured)],
    details: [...describeSetup(measured), describeCapacity(measured.capacity)],
    tables: [roundsTable(rounds), capacityTable(measured.capacityRounds)],
  };
}

function capacityFigures(measured: Measurements): Figure[] {
  const rounds = measured.capacityRounds;
  const noisy = rounds.some((round) => round.noisy);
  const values = rounds.map((round) => round.value);
  const connections = measured.capacity.connections;
  const gate = (comparison: '<=' | '>=', value: number) =>
    measured.gated ? { comparison, value } : null;
  return [
    figure(
      'MCP capacity, server on one core: tool calls per second (median of rounds)',
      median(values.map((value) => value.callsPerSecond)),
      'calls/s',
      gate('>=', targets.callsPerSecond),
      noisy,
    ),
    figure(
      'MCP capacity: failed calls, all rounds',
      values.reduce((sum, value) => sum + value.failedCalls, 0),
      'calls',
      gate('<=', 0),
      noisy,
    ),
    figure(
      `MCP capacity: p99 at ${connections} connections`,
      median(values.map((value) => value.p99Ms)),
      'ms',
      null,
      noisy,
    ),
  ];
}

function describeCapacity(sizes: CapacitySizes): string {
  return `Capacity: after the latency rounds, the load child opens ${sizes.sessions} sessions and autocannon sends \`tools/call list_clean_rooms\` from ${sizes.connections} keep-alive connections for ${sizes.durationSeconds} s per round, each call with its own JSON-RPC id, spread over the sessions. A call counts as failed on a connection error, a timeout, a non-2xx status, or an SSE body without a result carrying structured content (or with isError). Target: at least ${targets.callsPerSecond} calls/s with no failed call.`;
}

function capacityTable(rounds: MeasuredRound<McpCapacityMeasured>[]) {
  return {
    title: 'Capacity rounds',
    columns: [
      'Round',
      'Calls/s',
      'Calls',
      'Failed',
      'p50',
      'p99',
      'Foreign CPU',
      'Attempts',
      'Noisy',
    ],
    rows: rounds.map((round, index) => {
      const { value } = round;
      return [
        String(index + 1),
        value.callsPerSecond.toFixed(0),
        String(value.calls),
        value.firstBadBody === null
          ? String(value.failedCalls)
          : `${value.failedCalls} (first: ${asTableText(value.firstBadBody.slice(0, 120))})`,
        formatMs(value.p50Ms),
        formatMs(value.p99Ms),
        `${(round.foreignCpuShare * 100).toFixed(1)}%`,
        String(round.attempts),
        round.noisy ? 'yes' : 'no',
      ];
    }),
  };
}

function figure(
  name: string,
  value: number,
  unit: string,
  target: Figure['target'],
  noisy: boolean,
): Figure {
  return { name, value, unit, target, noisy };
}

function describeSetup(measured: Measurements): string[] {
  const { connected, opened } = measured;
  const method =
    connected.mcpMethod === 'tools/list'
      ? 'The server has no `list_clean_rooms` tool, so the MCP side measures `tools/list`, which reads no database: the ratio is not the tool-call figure.'
      : `The MCP side calls \`list_clean_rooms\`; both paths returned the same ${connected.restRoomNames.length} rooms of the advertiser before timing.`;
  return [
    method,
    `Server: one fresh child pinned to CPU ${measured.serverCpus ?? 'unknown'} (Cpus_allowed_list), database ${opened.database}, small demo seed (${(opened.seedMs / 1000).toFixed(1)} s), LOG_LEVEL=warn so neither path writes a log line per request. Client: one fresh child pinned to CPU ${measured.loadCpus ?? 'unknown'}, the MCP SDK client (session ${connected.sessionId === null ? 'none' : 'initialized once'}) and Node's fetch with keep-alive.`,
    `${measured.warmUpMs} ms of alternating untimed calls first, then per round ${measured.batchSize} sequential REST calls followed by ${measured.batchSize} MCP calls; p50 and p99 are nearest-rank percentiles of each batch, timed in the client from send to the parsed response. Figures are medians over rounds.`,
    `Targets: MCP p50 <= ${targets.p50Ratio}x and p99 <= ${targets.p99Ratio}x the REST GET, MCP p50 <= ${targets.mcpP50Ms} ms.`,
    `The client process saw ${measured.rounds.at(-1)?.value.listenerWarnings ?? 0} MaxListenersExceededWarning events: the SDK client shares one AbortSignal across a session's requests and Node's fetch frees each abort listener only at garbage collection. They are counted, not printed.`,
  ];
}

function roundsTable(rounds: MeasuredRound<RoundLatencies>[]) {
  return {
    title: 'Rounds',
    columns: [
      'Round',
      'REST p50',
      'REST p99',
      'MCP p50',
      'MCP p99',
      'p50 ratio',
      'p99 ratio',
      'Foreign CPU',
      'Attempts',
      'Noisy',
    ],
    rows: rounds.map((round, index) => {
      const { rest, mcp } = round.value;
      return [
        String(index + 1),
        formatMs(rest.p50),
        formatMs(rest.p99),
        formatMs(mcp.p50),
        formatMs(mcp.p99),
        formatFigureValue(mcp.p50 / rest.p50, 'x'),
        formatFigureValue(mcp.p99 / rest.p99, 'x'),
        `${(round.foreignCpuShare * 100).toFixed(1)}%`,
        String(round.attempts),
        round.noisy ? 'yes' : 'no',
      ];
    }),
  };
}

/** Keeps a response body from breaking the markdown table: no pipes, no line breaks. */
function asTableText(text: string): string {
  return text.replace(/[|\r\n]+/g, ' ');
}

/** Two decimals: sub-millisecond latencies lose their meaning at the report's usual one. */
function formatMs(value: number): string {
  return `${value.toFixed(2)} ms`;
}
