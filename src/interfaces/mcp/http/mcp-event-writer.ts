import type { Logger } from '../../../adapters/logging/logger.ts';
import type { McpStreamStore, PendingEvent } from './mcp-stream-store.ts';

/** Options of the batch writer; each default is in MCP_EVENT_WRITER_DEFAULTS. */
export interface McpEventWriterOptions {
  /** Time an event may wait for others before its batch is written, in milliseconds. */
  flushDelayMs: number;
  /** Events that are written at once, without waiting for the delay. */
  maxBatchEvents: number;
}

/**
 * The delay adds at most 20 ms before another web process can relay an
 * event, and such a relay polls the database every 200 ms anyway. 200 events
 * bound one statement. On embedded PGlite (a shared 2-core machine, tool
 * results of 1.6 kB), a one-row INSERT cost 450 to 680 µs of CPU and a batch
 * about 50 to 70 µs per row, so a full batch blocks the event loop for an
 * estimated 12 ms.
 */
export const MCP_EVENT_WRITER_DEFAULTS: McpEventWriterOptions = {
  flushDelayMs: 20,
  maxBatchEvents: 200,
};

/** PostgreSQL's foreign_key_violation: a session was deleted while its events were inserted. */
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Writes the SSE events of every session of this process to the database in
 * batches: one multi-row INSERT per `flushDelayMs`, or at once when
 * `maxBatchEvents` wait. PGlite runs in this process, so each INSERT takes
 * CPU from the requests being served, and a statement's fixed cost is most
 * of a small row's cost.
 *
 * Batches are written one at a time, in the order their events were
 * appended, so along a stream a row with a higher sequence never becomes
 * visible before one with a lower sequence. `flush` writes everything
 * appended before it, so a replay that flushes first reads every event sent
 * before it.
 *
 * NOTE: events still waiting when the process dies are lost, together with
 * their sessions, which lived in that process.
 */
export class McpEventWriter {
  private pending: PendingEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Settles when the last batch handed to the database is written or its failure logged. */
  private lastWrite: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: McpStreamStore,
    private readonly log: Logger,
    private readonly options: McpEventWriterOptions = MCP_EVENT_WRITER_DEFAULTS,
  ) {}

  /** Number of events appended and not yet handed to the database. */
  get pendingCount(): number {
    return this.pending.length;
  }

  append(event: PendingEvent): void {
    this.pending.push(event);
    if (this.pending.length >= this.options.maxBatchEvents) {
      void this.flush();
      return;
    }
    if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushDelayMs);
      this.timer.unref();
    }
  }

  /**
   * Writes every event appended so far. The promise settles once they are
   * stored or their failure is logged, and it never rejects.
   */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      this.lastWrite = this.lastWrite.then(() => this.write(batch));
    }
    return this.lastWrite;
  }

  private async write(batch: PendingEvent[]): Promise<void> {
    try {
      await this.insertRetryingOnce(batch);
    } catch (err) {
      this.log.warn(
        { err, events: batch.length, sessionIds: sessionIdsOf(batch) },
        'storing MCP events failed; resumed streams will miss them',
      );
    }
  }

  /**
   * Inserts the batch, and once more after a foreign_key_violation. The
   * INSERT skips sessions deleted before it, so the retry succeeds unless
   * another session is deleted during it too.
   */
  private async insertRetryingOnce(batch: PendingEvent[]): Promise<void> {
    try {
      await this.store.insertEvents(batch);
    } catch (error) {
      if (!isForeignKeyViolation(error)) throw error;
      await this.store.insertEvents(batch);
    }
  }
}

function isForeignKeyViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === FOREIGN_KEY_VIOLATION
  );
}

/** Returns the distinct session ids of a batch, at most 10, for the log. */
function sessionIdsOf(batch: PendingEvent[]): string[] {
  return [...new Set(batch.map((event) => event.sessionId))].slice(0, 10);
}
