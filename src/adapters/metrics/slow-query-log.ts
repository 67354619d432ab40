import type { Logger } from '../logging/logger.ts';

/** Maximum length of the statement text in a slow-query log line, in characters. */
const STATEMENT_TEXT_MAX_CHARS = 2000;

/**
 * Times database statements and logs those slower than a threshold at warn.
 * The line carries the statement text with its `$1` placeholders, never the
 * parameter values, because those can be personal data.
 */
export class SlowQueryLog {
  constructor(
    private readonly thresholdMs: number,
    private readonly log: Logger,
    private readonly backend: 'postgres' | 'pglite',
  ) {}

  /** Runs `statement` and logs `sql` if it took `thresholdMs` or longer; a threshold of 0 turns the log off. */
  async time<T>(sql: string, statement: () => Promise<T>): Promise<T> {
    if (this.thresholdMs === 0) return statement();

    const started = performance.now();
    try {
      return await statement();
    } finally {
      this.observe(sql, performance.now() - started);
    }
  }

  /**
   * Logs `sql` if `durationMs`, timed by the caller, reached the threshold.
   * `connection` names where it ran. On a pipelined connection the duration
   * includes the wait behind the queries sent before it.
   */
  observe(sql: string, durationMs: number, connection?: 'pool' | 'pipeline'): void {
    if (this.thresholdMs !== 0 && durationMs >= this.thresholdMs)
      this.report(sql, durationMs, connection);
  }

  private report(sql: string, durationMs: number, connection?: 'pool' | 'pipeline'): void {
    const statement = sql.replace(/\s+/g, ' ').trim();
    this.log.warn(
      {
        backend: this.backend,
        ...(connection === undefined ? {} : { connection }),
        durationMs: Math.round(durationMs),
        thresholdMs: this.thresholdMs,
        statement: statement.slice(0, STATEMENT_TEXT_MAX_CHARS),
        statementTruncated: statement.length > STATEMENT_TEXT_MAX_CHARS,
      },
      'slow database query',
    );
  }
}
