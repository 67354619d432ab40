import type { Queryable } from '../storage/database.ts';

export interface RunJob {
  runId: string;
}

export interface RunJobContext {
  jobId: string;
  /** Retries already made for this job; 0 on the first attempt. */
  retryCount: number;
  retryLimit: number;
}

export type RunJobHandler = (job: RunJob, context: RunJobContext) => Promise<void>;

/**
 * The durable queue of question runs. A job enqueued inside a transaction
 * commits or rolls back with the run row it belongs to.
 */
export interface JobQueue {
  readonly backend: string;
  start(): Promise<void>;
  /** Enqueues a run; pass the transaction that inserts the run row. Call `wake` after it commits. */
  enqueueRun(job: RunJob, tx?: Queryable): Promise<string>;
  /** Starts `concurrency` workers that run `handler` for each job; a thrown error schedules a retry. */
  workRuns(concurrency: number, handler: RunJobHandler): Promise<void>;
  /** Wakes idle workers here and in other processes so a new job starts without waiting for a poll. */
  wake(): Promise<void>;
  ping(): Promise<void>;
  stop(): Promise<void>;
}
