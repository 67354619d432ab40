import pg from 'pg';
import type { Logger } from '../logging/logger.ts';

/** Carries "a run was queued" between processes so idle workers start at once. */
export interface WakeChannel {
  listen(onWake: () => void): Promise<void>;
  notify(): Promise<void>;
  close(): Promise<void>;
}

/** For one process (PGlite): waking the local workers is all there is to do. */
export class LocalWakeChannel implements WakeChannel {
  async listen(): Promise<void> {}
  async notify(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * PostgreSQL LISTEN/NOTIFY on a dedicated connection. A dropped listener
 * reconnects with backoff; meanwhile workers still find jobs by polling.
 */
export class PostgresWakeChannel implements WakeChannel {
  private client: pg.Client | null = null;
  private closed = false;
  private onWake: () => void = () => undefined;

  constructor(
    private readonly options: {
      url: string;
      channel: string;
      notifier: { query(sql: string, params: unknown[]): Promise<unknown> };
      log: Logger;
    },
  ) {}

  async listen(onWake: () => void): Promise<void> {
    this.onWake = onWake;
    await this.connect();
  }

  async notify(): Promise<void> {
    await this.options.notifier.query('SELECT pg_notify($1, $2)', [this.options.channel, 'run']);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private async connect(attempt = 0): Promise<void> {
    if (this.closed) return;

    const client = new pg.Client({ connectionString: this.options.url });
    client.on('notification', () => this.onWake());
    client.on('error', (err) => {
      this.options.log.warn(
        { err, channel: this.options.channel },
        'wake listener connection lost',
      );
      this.reconnectLater(attempt + 1);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
      this.client = client;
    } catch (err) {
      this.options.log.warn(
        { err, channel: this.options.channel, attempt },
        'wake listener failed to connect',
      );
      await client.end().catch(() => undefined);
      this.reconnectLater(attempt + 1);
    }
  }

  private reconnectLater(attempt: number): void {
    if (this.closed) return;

    const delayMs = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
    setTimeout(() => void this.connect(attempt), delayMs).unref();
  }
}
