import { mkdir } from 'node:fs/promises';
import type { Config } from '../config/config.ts';
import { DatasetStore } from '../adapters/dataset-store/dataset-store.ts';
import { createReadCache } from '../adapters/cache/create-read-cache.ts';
import { createChatRuntime } from '../services/chat/chat-runtime.ts';
import { createDuckDbEngine } from '../adapters/engine/duckdb-engine.ts';
import type { Logger } from '../adapters/logging/logger.ts';
import { createMetricsRegistry } from '../adapters/metrics/create-metrics-registry.ts';
import { InProcessTopic, type PubSubTopic } from '../adapters/pubsub/pubsub-topic.ts';
import { RedisRunEventBus } from '../adapters/pubsub/redis-run-event-bus.ts';
import { RedisTopic } from '../adapters/pubsub/redis-topic.ts';
import { InProcessRunEventBus, type RunEventBus } from '../adapters/pubsub/run-event-bus.ts';
import { PgBossQueue } from '../adapters/queue/pg-boss-queue.ts';
import {
  LocalWakeChannel,
  PostgresWakeChannel,
  type WakeChannel,
} from '../adapters/queue/wake-channel.ts';
import { DataDirLock } from '../adapters/storage/data-dir-lock.ts';
import type { Database } from '../adapters/storage/database.ts';
import {
  answerStopMessageSchema,
  type AnswerStopMessage,
} from '../domain/chat/answer-stop-message.ts';
import { migrate } from '../adapters/storage/migrate.ts';
import { openDatabase } from '../adapters/storage/open-database.ts';
import { installQuestionCatalog } from '../services/questions/install-question-catalog.ts';
import { executeRun } from '../services/runs/execute-run.ts';
import { RunSignals } from '../services/runs/run-signals.ts';
import { createWebAccess } from '../services/auth/web-access.ts';
import type { ServiceContext } from '../services/service-context.ts';
import type { Registry } from 'prom-client';

export interface Platform {
  config: Config;
  context: ServiceContext;
  /** Backend each adapter really uses, for health and status pages. */
  backends: {
    database: string;
    queue: string;
    engine: string;
    runEvents: 'redis' | 'in-process';
    cache: 'memory' | 'memory+redis' | 'disabled';
    llm: string;
  };
  /** Prometheus metrics of this process; adapters register theirs here. */
  metrics: Registry;
  startWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** Purpose of this process, recorded in the embedded database's lock file. */
  purpose?: string;
}

/**
 * Builds every adapter from the configuration, migrates the database and
 * installs the question catalog. The composition root of every process.
 */
export async function createPlatform(
  config: Config,
  log: Logger,
  options: PlatformOptions = {},
): Promise<Platform> {
  await mkdir(config.dataDir, { recursive: true });
  const metrics = createMetricsRegistry();
  const lock = config.DATABASE_URL
    ? null
    : await DataDirLock.acquire(config.dataDir, options.purpose ?? 'cleanroom');
  const db = await openDatabase(config, log, metrics).catch(async (error: unknown) => {
    await lock?.release();
    throw error;
  });
  await migrate(db, log);
  await installQuestionCatalog(db);

  const datasetStore = new DatasetStore(config.dataDir);
  await mkdir(datasetStore.tempDirectory, { recursive: true });
  const engine = await createDuckDbEngine({
    threads: config.ENGINE_THREADS,
    memoryLimit: config.ENGINE_MEMORY_LIMIT,
    tempDirectory: datasetStore.tempDirectory,
    log,
  });
  const queue = new PgBossQueue({
    db,
    schema: `${config.DATABASE_SCHEMA}_jobs`,
    retryLimit: config.RUN_RETRY_LIMIT,
    retryDelaySeconds: config.RUN_RETRY_DELAY_SECONDS,
    expireInSeconds: config.RUN_EXPIRE_SECONDS,
    pollingIntervalSeconds: config.QUEUE_POLL_INTERVAL_SECONDS,
    maintenanceIntervalSeconds: config.QUEUE_MAINTENANCE_INTERVAL_SECONDS,
    wakeChannel: createWakeChannel(config, db, log),
    log,
  });
  await queue.start();
  const runEvents = createRunEventBus(config, metrics, log);
  const answerStops = createAnswerStopTopic(config, log);

  const webAccess = createWebAccess(config, log);

  const context: ServiceContext = {
    db,
    engine,
    queue,
    datasetStore,
    runSignals: new RunSignals(),
    runEvents,
    answerStops,
    settings: {
      pageSizeMax: config.PAGE_SIZE_MAX,
      resultRowsMax: config.RESULT_ROWS_MAX,
      importMaxInvalidRows: config.IMPORT_MAX_INVALID_ROWS,
      minCrowdSize: config.PRIVACY_MIN_CROWD_SIZE,
      uploadMaxBytes: config.UPLOAD_MAX_BYTES,
    },
    log,
    webAccess,
    cache: createReadCache(config, metrics, log),
    chat: createChatRuntime(config),
  };
  webAccess.startPushNotifications(context);

  return {
    config,
    context,
    metrics,
    backends: {
      database: db.kind === 'pglite' ? 'pglite (embedded)' : 'postgresql',
      queue: `pg-boss on ${db.kind}`,
      engine: 'duckdb (in-process)',
      runEvents: runEvents instanceof RedisRunEventBus ? 'redis' : 'in-process',
      cache: context.cache.stats().backend,
      llm:
        config.LLM_PROVIDER === 'offline'
          ? 'offline intent engine'
          : `${config.LLM_PROVIDER} (${config.LLM_MODEL ?? 'default model'})`,
    },
    startWorker: () =>
      queue.workRuns(config.WORKER_CONCURRENCY, (job, jobContext) =>
        executeRun(context, job, jobContext),
      ),
    close: async () => {
      await queue.stop();
      await webAccess.close();
      await runEvents.close();
      await answerStops.close();
      await context.cache.close();
      await engine.close();
      await db.close();
      await lock?.release();
    },
  };
}

function createWakeChannel(config: Config, db: Database, log: Logger): WakeChannel {
  if (!config.DATABASE_URL) return new LocalWakeChannel();
  return new PostgresWakeChannel({
    url: config.DATABASE_URL,
    channel: `${config.DATABASE_SCHEMA}_run_queued`,
    notifier: db,
    log,
  });
}

/** Creates the run event bus: Redis pub/sub when REDIS_URL is set, so events reach every process, else in-process. */
function createRunEventBus(config: Config, metrics: Registry, log: Logger): RunEventBus {
  if (!config.REDIS_URL) return new InProcessRunEventBus();
  return new RedisRunEventBus({
    url: config.REDIS_URL,
    channel: `${config.REDIS_KEY_PREFIX}${config.DATABASE_SCHEMA}:run-events`,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
    metrics,
    log,
  });
}

/** Creates the topic of answer stops between web processes: Redis pub/sub when REDIS_URL is set, else in-process. */
function createAnswerStopTopic(config: Config, log: Logger): PubSubTopic<AnswerStopMessage> {
  if (!config.REDIS_URL) return new InProcessTopic('answer-stops', log);
  return new RedisTopic({
    url: config.REDIS_URL,
    channel: `${config.REDIS_KEY_PREFIX}${config.DATABASE_SCHEMA}:answer-stops`,
    schema: answerStopMessageSchema,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
    connectionName: 'answer-stops',
    log,
  });
}
