import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { AppError, isAppError } from '../../domain/errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import { runInterruptible } from './abort.ts';

/**
 * Runs each engine operation on a fresh connection of the shared DuckDB
 * instance, so operations run concurrently without sharing session state,
 * and tracks them so that `close` can interrupt and wait for them.
 */
export class EngineOperations {
  private readonly active = new Map<DuckDBConnection, Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly log: Logger,
  ) {}

  /** Runs `work` on its own connection; unexpected DuckDB errors become ENGINE_FAILED. */
  async run<T>(
    operation: string,
    signal: AbortSignal | undefined,
    work: (connection: DuckDBConnection) => Promise<T>,
  ): Promise<T> {
    if (this.closed)
      throw new AppError(
        'ENGINE_FAILED',
        `The engine is closed, so the ${operation} cannot start; the process is shutting down.`,
      );

    const connection = await this.instance.connect();
    const running = this.execute(operation, connection, signal, work);
    this.active.set(connection, running);
    try {
      return await running;
    } finally {
      this.active.delete(connection);
      connection.closeSync();
    }
  }

  /** Interrupts running operations, waits for them to settle and closes the instance. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.active.keys()) connection.interrupt();
    await Promise.allSettled(this.active.values());
    this.instance.closeSync();
  }

  private async execute<T>(
    operation: string,
    connection: DuckDBConnection,
    signal: AbortSignal | undefined,
    work: (connection: DuckDBConnection) => Promise<T>,
  ): Promise<T> {
    try {
      // Timestamps with an offset are stored in UTC, whatever the host's time zone.
      await connection.run(`SET TimeZone = 'UTC'`);
      return await runInterruptible(connection, signal, () => work(connection));
    } catch (error) {
      throw this.toEngineError(operation, error);
    }
  }

  private toEngineError(operation: string, error: unknown): unknown {
    if (isAppError(error) || (error instanceof Error && error.name === 'AbortError')) return error;

    this.log.error({ err: error, operation }, 'engine operation failed');
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    return new AppError('ENGINE_FAILED', `The query engine failed during ${operation}: ${reason}`, {
      cause: error,
      retryable: false,
    });
  }
}
