import type { Logger } from '../logging/logger.ts';

/**
 * Logs a repeating warning at most once per interval, with the number of
 * repeats left out since the last line, so an outage does not log one line
 * per request.
 */
export class RateLimitedWarning {
  private lastAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly intervalMs = 10_000,
  ) {}

  warn(fields: Record<string, unknown>): void {
    const now = performance.now();
    if (now - this.lastAt < this.intervalMs) {
      this.suppressed += 1;
      return;
    }

    this.log.warn({ ...fields, suppressedSinceLastLog: this.suppressed }, this.message);
    this.lastAt = now;
    this.suppressed = 0;
  }
}
