import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Interval in ms at which an aborted operation's connection is interrupted
 * again. In DuckDB 1.5 an interrupt issued before a statement starts has no
 * effect on that statement, so a single interrupt could be lost.
 */
const INTERRUPT_REPEAT_MS = 50;

/** Creates the error an aborted operation rejects with: a DOMException named AbortError, as `fetch` uses. */
export function createAbortError(signal: AbortSignal): DOMException {
  const error = new DOMException('The operation was aborted.', 'AbortError');
  Object.defineProperty(error, 'cause', { value: signal.reason, enumerable: false });
  return error;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw createAbortError(signal);
}

/**
 * Runs `work` on `connection` and interrupts its DuckDB statements once
 * `signal` aborts, until `work` settles. The operation then rejects with an
 * AbortError, whether DuckDB was interrupted or `work` stopped at a check.
 */
export async function runInterruptible<T>(
  connection: DuckDBConnection,
  signal: AbortSignal | undefined,
  work: () => Promise<T>,
): Promise<T> {
  throwIfAborted(signal);
  let timer: NodeJS.Timeout | undefined;
  const interrupt = () => {
    connection.interrupt();
    timer = setInterval(() => connection.interrupt(), INTERRUPT_REPEAT_MS);
  };
  signal?.addEventListener('abort', interrupt, { once: true });

  try {
    const result = await work();
    throwIfAborted(signal);
    return result;
  } catch (error) {
    throwIfAborted(signal);
    throw error;
  } finally {
    signal?.removeEventListener('abort', interrupt);
    clearInterval(timer);
  }
}
