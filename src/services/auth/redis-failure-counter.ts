import type { Logger } from '../../adapters/logging/logger.ts';
import type { RedisConnection } from '../../adapters/redis/redis-connection.ts';
import { MemoryFailureCounter, type FailureCount, type FailureCounter } from './failure-counter.ts';

/** Minimum time between two warnings about Redis failing, in milliseconds. */
const WARN_INTERVAL_MS = 60_000;

/**
 * Failure counters in Redis, shared by every web process. When a Redis
 * command fails, the counter falls back to counters in this process and logs
 * a warning, so a Redis outage never switches the throttle off.
 */
export class RedisFailureCounter implements FailureCounter {
  private readonly fallback = new MemoryFailureCounter();
  private lastWarningAt = 0;

  constructor(
    private readonly redis: RedisConnection,
    /** Prepended to every key, such as `cleanroom:public:login-failures:`. */
    private readonly keyPrefix: string,
    private readonly log: Logger,
  ) {}

  async read(keys: string[]): Promise<FailureCount[]> {
    try {
      const pipeline = this.redis.client.multi();
      for (const key of keys) pipeline.get(this.keyPrefix + key).pttl(this.keyPrefix + key);
      const replies = (await pipeline.exec()) ?? [];
      return keys.map((_key, index) => ({
        count: Number(replyValue(replies[index * 2]) ?? 0),
        resetInMs: Math.max(0, Number(replyValue(replies[index * 2 + 1]) ?? 0)),
      }));
    } catch (err) {
      this.warn(err);
      return this.fallback.read(keys);
    }
  }

  async increment(keys: string[], windowMs: number): Promise<void> {
    try {
      const pipeline = this.redis.client.multi();
      // PEXPIRE NX (Redis 7.0) starts the window at the first failure and leaves it alone after.
      for (const key of keys)
        pipeline.incr(this.keyPrefix + key).pexpire(this.keyPrefix + key, windowMs, 'NX');
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
    } catch (err) {
      this.warn(err);
      await this.fallback.increment(keys, windowMs);
    }
  }

  async delete(key: string): Promise<void> {
    await this.fallback.delete(key);
    try {
      await this.redis.client.del(this.keyPrefix + key);
    } catch (err) {
      this.warn(err);
    }
  }

  /** Clears the fallback counters; the Redis connection belongs to the caller, which closes it. */
  async close(): Promise<void> {
    await this.fallback.close();
  }

  private warn(err: unknown): void {
    if (Date.now() - this.lastWarningAt < WARN_INTERVAL_MS) return;

    this.lastWarningAt = Date.now();
    this.log.warn({ err }, 'login throttle counting in memory because redis failed');
  }
}

function replyValue(reply: [Error | null, unknown] | undefined): unknown {
  if (!reply) return undefined;
  if (reply[0]) throw reply[0];
  return reply[1];
}
