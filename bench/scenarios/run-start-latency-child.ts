import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { createPlatform, type Platform } from '../../src/app/create-platform.ts';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import type { Database } from '../../src/adapters/storage/database.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { createRun } from '../../src/services/runs/create-run.ts';
import { seedDemoWorkspace } from '../../src/services/seed/seed-demo-workspace.ts';
import type { ServiceContext } from '../../src/services/service-context.ts';
import { serveBenchRequests } from '../lib/child-protocol.ts';

const RunStartRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('open'),
    dataDirectory: z.string(),
    /** Null for the embedded default (PGlite under DATA_DIR). */
    postgres: z.object({ url: z.string(), schema: z.string() }).nullable(),
    endDate: z.string(),
  }),
  z.object({
    kind: z.literal('measure'),
    runs: z.number().int().positive(),
    /** Pause after the previous run's job completed, so every worker is asleep in its poll delay. */
    settleMs: z.number().int().nonnegative(),
    /** Maximum time from submission to the completion of one run. */
    runTimeoutMs: z.number().int().positive(),
  }),
]);
export type RunStartRequest = z.infer<typeof RunStartRequestSchema>;
type OpenRequest = Extract<RunStartRequest, { kind: 'open' }>;
type MeasureRequest = Extract<RunStartRequest, { kind: 'measure' }>;

export interface OpenResponse {
  database: string;
  queue: string;
  pollIntervalSeconds: number;
  workerConcurrency: number;
  seedMs: number;
}

/** Consecutive steps from createRun to the claim. Their durations add up to the client-side latency. */
export type RunStartStage = 'validate' | 'enqueue' | 'wake' | 'fetch' | 'claim';

export interface RunStartSample {
  /** started_at - submitted_at of the run row, computed by the database. */
  databaseMs: number;
  /** From just before createRun to the return of the UPDATE that set the run RUNNING. */
  clientMs: number;
  stages: Record<RunStartStage, number>;
  /** 'poll' when the fetch that returned the job was issued before createRun woke the workers. */
  startedBy: 'wake' | 'poll';
}

const advertiserName = 'Northwind Outfitters';
const roomNamePart = 'Holiday';
const overlapRun = { questionId: 'audience_overlap', parameters: { attribute: 'age_band' } };

// SQL of pg-boss 10.4.2 (fetchNextJob, completeJobs) and of RunsRepository.claim,
// matched to time the steps without changing the product.
const fetchSql = /FOR UPDATE SKIP LOCKED/;
const completeSql = /SET completed_on = now\(\)/;
const claimSql = /SET status = 'RUNNING'/;

type Mark = 'submitted' | 'enqueued' | 'woken' | 'fetchIssued' | 'fetchReturned' | 'claimed';

class Deferred {
  readonly promise: Promise<void>;
  resolve: () => void = () => undefined;

  constructor() {
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }
}

/** Timestamps (performance.now) of one run's way from createRun to the claim. */
class RunTrace {
  readonly marks: Partial<Record<Mark, number>> = {};
  runId: string | null = null;
  jobId: string | null = null;
  readonly claimed = new Deferred();
  readonly jobCompleted = new Deferred();

  mark(name: Mark, at: number = performance.now()): void {
    this.marks[name] ??= at;
  }
}

/**
 * Hooks into this process's platform: wraps `queue.enqueueRun`, `queue.wake`
 * and `db.query` to timestamp the steps of the run being traced. `db.query`
 * carries pg-boss's fetch and completion and the worker's claim. The run's own
 * transaction goes through `tx.query`, which stays unwrapped.
 */
class RunStartProbe {
  current: RunTrace | null = null;

  install(context: ServiceContext): void {
    const { queue, db } = context;
    const enqueueRun = queue.enqueueRun.bind(queue);
    queue.enqueueRun = async (job, tx) => {
      this.current?.mark('enqueued');
      if (this.current) this.current.runId = job.runId;
      const jobId = await enqueueRun(job, tx);
      if (this.current) this.current.jobId = jobId;
      return jobId;
    };
    const wake = queue.wake.bind(queue);
    queue.wake = () => {
      this.current?.mark('woken');
      return wake();
    };
    this.wrapQuery(db);
  }

  private wrapQuery(db: Database): void {
    const query = db.query.bind(db);
    db.query = async <Row>(sql: string, params: readonly unknown[] = []) => {
      const issuedAt = performance.now();
      const rows = await query<Row>(sql, params);
      if (this.current) observe(this.current, sql, params, rows as unknown[], issuedAt);
      return rows;
    };
  }
}

function observe(
  trace: RunTrace,
  sql: string,
  params: readonly unknown[],
  rows: unknown[],
  issuedAt: number,
): void {
  if (trace.jobId === null) return;

  const returnedAt = performance.now();
  if (fetchSql.test(sql) && rows.some((row) => (row as { id?: unknown }).id === trace.jobId)) {
    trace.mark('fetchIssued', issuedAt);
    trace.mark('fetchReturned', returnedAt);
  } else if (claimSql.test(sql) && params[0] === trace.runId && rows.length > 0) {
    trace.mark('claimed', returnedAt);
    trace.claimed.resolve();
  } else if (completeSql.test(sql) && isJobInParams(params, trace.jobId)) {
    trace.jobCompleted.resolve();
  }
}

function isJobInParams(params: readonly unknown[], jobId: string): boolean {
  const ids = params[1];
  return Array.isArray(ids) && ids.includes(jobId);
}

interface OpenState {
  platform: Platform;
  caller: Caller;
  roomId: string;
  probe: RunStartProbe;
}

let state: OpenState | null = null;

async function open(request: OpenRequest): Promise<OpenResponse> {
  const config = loadConfig({
    DATA_DIR: request.dataDirectory,
    SEED: 'small',
    LOG_LEVEL: 'warn',
    ...(request.postgres
      ? { DATABASE_URL: request.postgres.url, DATABASE_SCHEMA: request.postgres.schema }
      : {}),
  });
  const platform = await createPlatform(config, createLogger(config.LOG_LEVEL, 2), {
    purpose: 'bench run-start-latency',
  });

  const seedStarted = performance.now();
  const seeded = await seedDemoWorkspace(platform.context, {
    size: 'small',
    dataDir: config.dataDir,
    endDate: request.endDate,
  });
  if (!seeded.seeded) {
    throw new Error(
      `Seeding was skipped because the database already contains organizations. Use a fresh DATA_DIR (${config.dataDir}) and schema.`,
    );
  }
  const seedMs = performance.now() - seedStarted;

  const caller = await findAdvertiser(platform.context.db);
  const roomId = await findRoom(platform.context.db, caller.organizationId);
  const probe = new RunStartProbe();
  probe.install(platform.context);
  await platform.startWorker();
  state = { platform, caller, roomId, probe };

  return {
    database: platform.backends.database,
    queue: platform.backends.queue,
    pollIntervalSeconds: config.QUEUE_POLL_INTERVAL_SECONDS,
    workerConcurrency: config.WORKER_CONCURRENCY,
    seedMs,
  };
}

async function findAdvertiser(db: Database): Promise<Caller> {
  const users = await db.query<{ organization_id: string; id: string; role: 'ADMIN' | 'MEMBER' }>(
    `SELECT u.organization_id, u.id, u.role
       FROM users u JOIN organizations o ON o.id = u.organization_id
      WHERE o.name = $1`,
    [advertiserName],
  );
  const user = users[0];
  if (users.length !== 1 || user === undefined) {
    throw new Error(`Expected one seeded user of ${advertiserName}, found ${users.length}`);
  }
  return { organizationId: user.organization_id, userId: user.id, apiKeyId: null, role: user.role };
}

async function findRoom(db: Database, organizationId: string): Promise<string> {
  const rooms = await db.query<{ id: string }>(
    `SELECT id FROM clean_rooms WHERE owner_organization_id = $1 AND name LIKE $2`,
    [organizationId, `%${roomNamePart}%`],
  );
  const room = rooms[0];
  if (rooms.length !== 1 || room === undefined) {
    throw new Error(
      `Expected one seeded clean room named *${roomNamePart}*, found ${rooms.length}`,
    );
  }
  return room.id;
}

async function measure(current: OpenState, request: MeasureRequest): Promise<RunStartSample[]> {
  const samples: RunStartSample[] = [];
  for (let run = 0; run < request.runs; run += 1) {
    await delay(request.settleMs);
    samples.push(await submitAndTrace(current, request.runTimeoutMs));
  }
  return samples;
}

/**
 * Submits one run, waits until the worker claimed it and pg-boss completed
 * its job (so the worker is idle again), and returns the run's timings.
 */
async function submitAndTrace(current: OpenState, runTimeoutMs: number): Promise<RunStartSample> {
  const { context } = current.platform;
  const trace = new RunTrace();
  current.probe.current = trace;
  try {
    trace.mark('submitted');
    const { run } = await createRun(context, current.caller, current.roomId, overlapRun);
    const deadline = performance.now() + runTimeoutMs;
    await waitFor(trace.claimed.promise, deadline, () => describeStuckRun(context.db, run.id));
    await waitFor(trace.jobCompleted.promise, deadline, () => describeStuckRun(context.db, run.id));
    const databaseMs = await readDatabaseLatency(context.db, run.id);
    return toSample(trace, databaseMs);
  } finally {
    current.probe.current = null;
  }
}

async function waitFor(
  promise: Promise<void>,
  deadline: number,
  describe: () => Promise<string>,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - performance.now()));
  });
  const outcome = await Promise.race([promise, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') throw new Error(await describe());
}

async function describeStuckRun(db: Database, runId: string): Promise<string> {
  const rows = await db.query<{ status: string; failure_reason: string | null }>(
    'SELECT status, failure_reason FROM question_runs WHERE id = $1',
    [runId],
  );
  const row = rows[0];
  return `Run ${runId} timed out: status ${row?.status ?? 'missing'}, failure reason ${row?.failure_reason ?? 'none'}. A claim or job completion that never arrives can also mean the SQL this probe matches has changed.`;
}

// NOTE: PGlite 0.5's clock has 1 ms resolution (clock_timestamp() steps in whole ms), so on
// PGlite this latency is a difference of whole milliseconds.
async function readDatabaseLatency(db: Database, runId: string): Promise<number> {
  const rows = await db.query<{ status: string; latency_ms: string | number }>(
    `SELECT status, extract(epoch FROM started_at - submitted_at) * 1000 AS latency_ms
       FROM question_runs WHERE id = $1`,
    [runId],
  );
  const row = rows[0];
  if (row?.status !== 'COMPLETED') {
    throw new Error(`Run ${runId} ended ${row?.status ?? 'missing'}, expected COMPLETED`);
  }
  return Number(row.latency_ms);
}

function toSample(trace: RunTrace, databaseMs: number): RunStartSample {
  const at = (mark: Mark) => {
    const value = trace.marks[mark];
    if (value === undefined) throw new Error(`Run ${trace.runId} has no ${mark} timestamp`);
    return value;
  };
  const woken = at('woken');
  const startedBy = at('fetchIssued') < woken ? 'poll' : 'wake';
  // A poll fetch that was already under way has no wake-up step, so its fetch step counts from the wake-up call.
  const fetchStart = Math.max(at('fetchIssued'), woken);
  return {
    databaseMs,
    clientMs: at('claimed') - at('submitted'),
    stages: {
      validate: at('enqueued') - at('submitted'),
      enqueue: woken - at('enqueued'),
      wake: fetchStart - woken,
      fetch: at('fetchReturned') - fetchStart,
      claim: at('claimed') - at('fetchReturned'),
    },
    startedBy,
  };
}

function requireOpen(): OpenState {
  if (state === null) throw new Error('Send an open request before a measure request');
  return state;
}

serveBenchRequests(
  async (payload) => {
    const request = RunStartRequestSchema.parse(payload);
    switch (request.kind) {
      case 'open':
        return open(request);
      case 'measure':
        return measure(requireOpen(), request);
    }
  },
  async () => {
    await state?.platform.close();
  },
);
