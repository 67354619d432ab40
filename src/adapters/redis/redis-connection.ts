import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.ts';

export interface RedisConnectionOptions {
  url: string;
  /** Shown in logs and in `CLIENT LIST`, such as "cache" or "run-events-subscriber". */
  name: string;
  /** Milliseconds after which a command without a reply fails, so a request degrades instead of hanging. */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  log: Logger;
}

/** State of one Redis connection, as health checks and metrics show it. */
export interface RedisConnectionState {
  name: string;
  status: 'ready' | 'connecting' | 'down';
  /** Message of the last connection error; cleared once the connection is ready again. */
  lastError: string | null;
  /** When the status last changed, ISO 8601. */
  since: string;
}

/** Maximum pause between reconnection attempts, in milliseconds. */
const RECONNECT_DELAY_MAX_MS = 1_000;

/**
 * One ioredis connection set up so that Redis trouble never stalls a
 * request: no offline queue (a command while disconnected fails at once),
 * one attempt per command, a command timeout, and reconnection forever with
 * a capped backoff. Callers treat a failed command as a cache miss or a
 * skipped publish, never as a failed request.
 */
export class RedisConnection {
  readonly client: Redis;
  private current: RedisConnectionState;

  constructor(private readonly options: RedisConnectionOptions) {
    this.current = {
      name: options.name,
      status: 'connecting',
      lastError: null,
      since: new Date().toISOString(),
    };
    this.client = new Redis(options.url, {
      connectionName: `cleanroom-${options.name}`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: options.connectTimeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_DELAY_MAX_MS),
      lazyConnect: false,
    });
    this.client.on('ready', () => this.changeStatus('ready', null));
    this.client.on('error', (err: Error) => this.changeStatus('down', err.message));
    this.client.on('reconnecting', () => {
      if (this.current.status === 'ready') this.changeStatus('connecting', this.current.lastError);
    });
  }

  state(): RedisConnectionState {
    return { ...this.current };
  }

  isReady(): boolean {
    return this.client.status === 'ready';
  }

  /** Resolves once the connection is ready, or rejects after `timeoutMs`. */
  async waitUntilReady(timeoutMs = this.options.connectTimeoutMs): Promise<void> {
    if (this.isReady()) return;

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new Error(`Redis (${this.options.name}) not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', onReady);
    });
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      // quit fails when the connection is already down; disconnect stops the reconnection loop either way.
      this.client.disconnect();
    }
  }

  private changeStatus(status: RedisConnectionState['status'], lastError: string | null): void {
    const changed = status !== this.current.status;
    this.current = {
      name: this.options.name,
      status,
      lastError,
      since: changed ? new Date().toISOString() : this.current.since,
    };
    if (!changed) return;

    const fields = { redis: this.options.name, status, error: lastError ?? undefined };
    if (status === 'ready') this.options.log.info(fields, 'redis connection ready');
    else this.options.log.warn(fields, 'redis connection lost');
  }
}
