import type { RedisConnection } from '../redis/redis-connection.ts';

/**
 * Sends a PING on each Redis connection every `intervalMs` and reports a
 * failure when one gets no reply within its command timeout, or success
 * when all reply. A hung Redis
 * server (frozen process, connections still open) closes no connection, and
 * a process that serves every read from memory sends no other command, so
 * without this check it would never notice that it misses invalidations.
 */
export class RedisLivenessCheck {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly connections: readonly RedisConnection[],
    private readonly intervalMs: number,
    private readonly onFailure: (error: unknown) => void,
    private readonly onSuccess: () => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Skips a round while the previous PING still waits, so at most one PING per connection is in flight. */
  private async check(): Promise<void> {
    if (this.checking) return;
    if (!this.connections.every((connection) => connection.isReady())) return;

    this.checking = true;
    try {
      await Promise.all(this.connections.map((connection) => connection.client.ping()));
      this.onSuccess();
    } catch (error) {
      this.onFailure(error);
    } finally {
      this.checking = false;
    }
  }
}
