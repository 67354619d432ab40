import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { BenchChild, type StartChildOptions } from '../lib/child-runner.ts';
import {
  computeForeignCpuShare,
  takeCpuSnapshot,
  type CpuSnapshot,
} from '../lib/cpu-accounting.ts';
import { maxAttemptsPerRound, maxForeignCpuShare, type MeasuredRound } from '../lib/rounds.ts';
import type { ScenarioContext } from '../lib/types.ts';
import type { CacheLoadMeasured, CacheLoadRequest } from './cache-load.ts';
import type { CacheServerOpened, CacheServerRequest } from './cache-server.ts';
import type { CacheVariant } from './cache-variants.ts';

/** PostgreSQL the cache scenarios use, in a schema of their own that they drop afterwards. */
export const benchDatabaseUrl =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

const serverScript = fileURLToPath(new URL('./cache-server.ts', import.meta.url));
const loadScript = fileURLToPath(new URL('./cache-load.ts', import.meta.url));

export interface OpenServer {
  child: BenchChild;
  url: string;
  apiKey: string;
  database: string;
}

export function benchSchema(): string {
  return `bench_cache_${randomBytes(5).toString('hex')}`;
}

export async function dropBenchSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: benchDatabaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS "${schema}_jobs" CASCADE`);
  } finally {
    await client.end();
  }
}

function childOptions(context: ScenarioContext, script: string, cpus: string): StartChildOptions {
  return { script, cpus, pinning: context.pinning, requestTimeoutMs: 600_000 };
}

export function startLoadChild(context: ScenarioContext): Promise<BenchChild> {
  return BenchChild.start(childOptions(context, loadScript, context.cpuLayout.load));
}

/** Starts a fresh server child on the server CPU with the platform set up as `variant` selects. */
export async function openPlatformServer(
  context: ScenarioContext,
  options: {
    variant: Exclude<CacheVariant, 'bare-node'>;
    schema: string;
    redisUrl: string;
    seed: boolean;
  },
): Promise<OpenServer> {
  context.progress(
    `starting the platform (${options.variant}${options.seed ? ', seeding the small demo' : ''})`,
  );
  const child = await BenchChild.start(
    childOptions(context, serverScript, context.cpuLayout.server),
  );
  const opened = await child.request<CacheServerOpened>({
    kind: 'open',
    variant: options.variant,
    dataDirectory: join(context.workDirectory, 'server'),
    databaseUrl: benchDatabaseUrl,
    schema: options.schema,
    redisUrl: options.redisUrl,
    seed: options.seed,
  } satisfies CacheServerRequest);
  return { child, url: opened.baseUrl, apiKey: opened.apiKey, database: opened.database };
}

/**
 * Seeds the small demo workspace into `schema` from a child of its own and
 * stops it, so the measured servers start fresh, without the seed's heap.
 */
export async function seedBenchDatabase(
  context: ScenarioContext,
  schema: string,
  redisUrl: string,
): Promise<void> {
  const seeder = await openPlatformServer(context, {
    variant: 'uncached',
    schema,
    redisUrl,
    seed: true,
  });
  await seeder.child.stop();
}

export async function openBareServer(context: ScenarioContext, body: string): Promise<OpenServer> {
  context.progress('starting bare node:http');
  const child = await BenchChild.start(
    childOptions(context, serverScript, context.cpuLayout.server),
  );
  const opened = await child.request<CacheServerOpened>({
    kind: 'open-bare',
    body,
  } satisfies CacheServerRequest);
  return { child, url: opened.baseUrl, apiKey: '', database: 'none' };
}

/** A load's figures plus the server process's CPU time per completed request. */
export interface CacheLoadWithCpu extends CacheLoadMeasured {
  /** Server process CPU time (user plus system) over the load divided by the requests completed, in microseconds. */
  serverCpuMicrosecondsPerRequest: number;
}

/** Runs `runLoad` and reads the server child's CPU time before and after it. */
export async function runLoadWithCpu(
  load: BenchChild,
  server: OpenServer,
  path: string,
  options: { connections: number; durationSeconds: number },
): Promise<CacheLoadWithCpu> {
  const readCpu = () => server.child.request<number>({ kind: 'cpu' } satisfies CacheServerRequest);
  const cpuBefore = await readCpu();
  const measured = await runLoad(load, server, path, options);
  const cpuAfter = await readCpu();
  return {
    ...measured,
    serverCpuMicrosecondsPerRequest: (cpuAfter - cpuBefore) / Math.max(1, measured.requests),
  };
}

export function runLoad(
  load: BenchChild,
  server: OpenServer,
  path: string,
  options: { connections: number; durationSeconds: number; timeoutSeconds?: number },
): Promise<CacheLoadMeasured> {
  return load.request<CacheLoadMeasured>({
    kind: 'load',
    url: `${server.url}${path}`,
    headers: server.apiKey ? { authorization: `Bearer ${server.apiKey}` } : {},
    ...options,
  } satisfies CacheLoadRequest);
}

/**
 * Like `measureRound` of bench/lib, but counts the CPU of PostgreSQL's
 * processes as the bench's own: the uncached variant's database work runs
 * there. A smoke run passes `maxAttempts` 1: its figures are not gated.
 * NOTE: other clients of the same PostgreSQL server during a round
 * then go unnoticed by the foreign CPU check.
 */
export async function measureRoundWithPostgres<T>(
  task: () => Promise<T>,
  onRetry?: (foreignCpuShare: number, attempt: number) => void,
  maxAttempts = maxAttemptsPerRound,
): Promise<MeasuredRound<T>> {
  for (let attempt = 1; ; attempt += 1) {
    const before = snapshot();
    const value = await task();
    const foreignCpuShare = computeForeignCpuShare(before, snapshot());

    const quiet = foreignCpuShare <= maxForeignCpuShare;
    if (quiet || attempt >= maxAttempts) {
      return { value, foreignCpuShare, attempts: attempt, noisy: !quiet };
    }
    onRetry?.(foreignCpuShare, attempt);
  }
}

function snapshot(): CpuSnapshot {
  const bench = takeCpuSnapshot();
  return { ...bench, ownTicks: bench.ownTicks + readPostgresTicks() };
}

/** utime + stime of every process named postgres, in clock ticks. */
function readPostgresTicks(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const commEnd = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, commEnd) !== 'postgres') continue;
      const fields = stat.slice(commEnd + 2).split(' ');
      // fields[0] is the state, field 3 of /proc/<pid>/stat, so utime and stime (fields 14 and 15) are at 11 and 12.
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process exited between listing and reading.
    }
  }
  return ticks;
}

/** Two decimals: sub-millisecond latencies lose their meaning at the report's usual one. */
export function formatMs(value: number): string {
  return `${value.toFixed(2)} ms`;
}
