import PgBoss from 'pg-boss';
import type { Logger } from '../logging/logger.ts';
import type { Database, Queryable } from '../storage/database.ts';
import type { JobQueue, RunJob, RunJobHandler } from './job-queue.ts';
import type { WakeChannel } from './wake-channel.ts';

export const RUN_QUEUE = 'question-runs';

export interface PgBossQueueOptions {
  db: Database;
  /** Schema for pg-boss's tables, kept apart from the platform's own. */
  schema: string;
  retryLimit: number;
  retryDelaySeconds: number;
  /** A job running longer than this is treated as orphaned (its worker died) and retried. */
  expireInSeconds: number;
  pollingIntervalSeconds: number;
  /** How often pg-boss looks for expired jobs; bounds how soon an orphaned run is picked up again. */
  maintenanceIntervalSeconds: number;
  wakeChannel: WakeChannel;
  log: Logger;
}

/** The run queue on pg-boss, over PostgreSQL or PGlite through the platform's own connection. */
export class PgBossQueue implements JobQueue {
  readonly backend = 'pg-boss';
  private readonly boss: PgBoss;
  private readonly workerIds: string[] = [];

  constructor(private readonly options: PgBossQueueOptions) {
    this.boss = new PgBoss({
      db: { executeSql: (text, values) => executeSql(options.db, text, values) },
      schema: options.schema,
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds,
    });
    this.boss.on('error', (err) => options.log.error({ err }, 'job queue error'));
  }

  async start(): Promise<void> {
    await this.boss.start();
    await this.boss.createQueue(RUN_QUEUE, {
      name: RUN_QUEUE,
      retryLimit: this.options.retryLimit,
      retryDelay: this.options.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.options.expireInSeconds,
    });
    await this.options.wakeChannel.listen(() => this.wakeLocalWorkers());
  }

  async enqueueRun(job: RunJob, tx?: Queryable): Promise<string> {
    const db = tx
      ? { executeSql: (text: string, values: unknown[]) => executeSql(tx, text, values) }
      : undefined;
    const jobId = await this.boss.send(RUN_QUEUE, job, {
      retryLimit: this.options.retryLimit,
      retryDelay: this.options.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.options.expireInSeconds,
      ...(db ? { db } : {}),
    });
    if (jobId === null) throw new Error(`pg-boss did not enqueue run ${job.runId}`);
    return jobId;
  }

  async workRuns(concurrency: number, handler: RunJobHandler): Promise<void> {
    for (let index = 0; index < concurrency; index += 1) {
      const workerId = await this.boss.work<RunJob>(
        RUN_QUEUE,
        {
          batchSize: 1,
          includeMetadata: true,
          pollingIntervalSeconds: this.options.pollingIntervalSeconds,
        },
        async ([job]) => {
          if (!job) return;
          await handler(job.data, {
            jobId: job.id,
            retryCount: job.retryCount,
            retryLimit: job.retryLimit,
          });
        },
      );
      this.workerIds.push(workerId);
    }
  }

  async wake(): Promise<void> {
    this.wakeLocalWorkers();
    await this.options.wakeChannel.notify();
  }

  async ping(): Promise<void> {
    await this.boss.getQueueSize(RUN_QUEUE);
  }

  async stop(): Promise<void> {
    await this.options.wakeChannel.close();
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }

  private wakeLocalWorkers(): void {
    for (const workerId of this.workerIds) this.boss.notifyWorker(workerId);
  }
}

/**
 * pg-boss sends its schema scripts as several statements without parameters,
 * which only the simple query protocol accepts, and everything else with
 * parameters.
 */
async function executeSql(db: Queryable | Database, text: string, values: unknown[] = []) {
  if (values.length > 0 || !('exec' in db)) return { rows: await db.query(text, values) };

  return { rows: await db.exec(text) };
}
