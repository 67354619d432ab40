import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { RunStatusSchema } from '../../domain/runs/question-run.ts';
import type { Logger } from '../logging/logger.ts';
import { RedisConnection } from '../redis/redis-connection.ts';
import {
  InProcessRunEventBus,
  type RunEvent,
  type RunEventBus,
  type RunEventListener,
} from './run-event-bus.ts';
import { RunEventMetrics } from './run-event-metrics.ts';

export interface RedisRunEventBusOptions {
  url: string;
  /** Pub/sub channel shared by every process of one deployment, such as "cleanroom:public:run-events". */
  channel: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  log: Logger;
  /** Registry for the bus's counters; without it nothing is counted. */
  metrics?: Registry;
  /** Prefix of the two connection names shown in `CLIENT LIST`, "run-events" by default. */
  connectionName?: string;
}

const RunEventSchema = z.object({
  runId: z.string().min(1),
  cleanRoomId: z.string().min(1),
  status: RunStatusSchema,
  progress: z.number().min(0).max(100),
  at: z.string().min(1),
});

/** A run event on the Redis channel, tagged with the process that published it. */
const RunEventMessageSchema = z.object({
  origin: z.string().min(1),
  event: RunEventSchema,
});
type RunEventMessage = z.infer<typeof RunEventMessageSchema>;

/** Pause before subscribing again after a SUBSCRIBE failed on a ready connection, in milliseconds. */
const RESUBSCRIBE_DELAY_MS = 1_000;

/**
 * Run events across processes over Redis pub/sub: a worker's events reach
 * the subscribers (MCP sessions, live views) of every web process. One connection
 * publishes and one subscribes, because a subscribed Redis connection
 * accepts no other commands.
 *
 * Listeners in the publishing process get the event at once from the local
 * bus, and the copy that comes back from Redis is dropped by its origin id,
 * so each listener gets an event exactly once and local delivery works while
 * Redis is down. Delivery across processes is best effort: a publish while
 * Redis is down is logged and skipped, and subscribers catch up by reading
 * the run from the database.
 */
export class RedisRunEventBus implements RunEventBus {
  private readonly local = new InProcessRunEventBus();
  private readonly origin = randomUUID();
  private readonly publisher: RedisConnection;
  private readonly subscriber: RedisConnection;
  private subscribed = false;
  private closed = false;
  /** Events not published to Redis since the last successful publish. */
  private droppedPublishes = 0;
  private resubscribeTimer: NodeJS.Timeout | undefined;
  /** Emits 'subscribed' for waitUntilSubscribed. */
  private readonly events = new EventEmitter();
  private readonly metrics: RunEventMetrics | undefined;

  constructor(private readonly options: RedisRunEventBusOptions) {
    this.metrics = options.metrics ? new RunEventMetrics(options.metrics) : undefined;
    const name = options.connectionName ?? 'run-events';
    const connection = {
      url: options.url,
      commandTimeoutMs: options.commandTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      log: options.log,
    };
    this.publisher = new RedisConnection({ ...connection, name: `${name}-publisher` });
    this.subscriber = new RedisConnection({ ...connection, name: `${name}-subscriber` });

    // 'ready' follows the first connection and every reconnection, so the
    // channel is subscribed again after Redis restarts or drops the connection.
    this.subscriber.client.on('ready', () => void this.subscribeChannel());
    this.subscriber.client.on('close', () => (this.subscribed = false));
    this.subscriber.client.on('message', (channel: string, payload: string) => {
      if (channel === options.channel) this.receive(payload);
    });
  }

  async publish(event: RunEvent): Promise<void> {
    await this.local.publish(event);
    if (this.closed) return;

    const message: RunEventMessage = { origin: this.origin, event };
    try {
      if (!this.publisher.isReady()) throw new Error('Redis connection is not ready');
      await this.publisher.client.publish(this.options.channel, JSON.stringify(message));
    } catch (err) {
      this.metrics?.countPublish('skipped');
      this.recordDroppedPublish(err, event);
      return;
    }
    this.metrics?.countPublish('sent');
    this.recordPublished();
  }

  subscribe(listener: RunEventListener): () => void {
    return this.local.subscribe(listener);
  }

  /** Returns whether the subscriber connection is subscribed to the channel now. */
  isSubscribed(): boolean {
    return this.subscribed;
  }

  /** Resolves once the channel is subscribed, or rejects after `timeoutMs`. */
  async waitUntilSubscribed(timeoutMs = this.options.connectTimeoutMs): Promise<void> {
    if (this.subscribed) return;

    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      await once(this.events, 'subscribed', { signal: timeout });
    } catch {
      throw new Error(`Redis channel ${this.options.channel} not subscribed after ${timeoutMs} ms`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;

    this.closed = true;
    clearTimeout(this.resubscribeTimer);
    await Promise.all([this.publisher.close(), this.subscriber.close(), this.local.close()]);
    this.subscribed = false;
  }

  private async subscribeChannel(): Promise<void> {
    if (this.closed) return;

    try {
      await this.subscriber.client.subscribe(this.options.channel);
      this.subscribed = true;
      this.events.emit('subscribed');
      this.options.log.info({ channel: this.options.channel }, 'run events subscribed');
    } catch (err) {
      // A timed-out SUBSCRIBE on a ready connection gets no second 'ready' event, so retry here.
      this.options.log.warn({ err, channel: this.options.channel }, 'run events not subscribed');
      clearTimeout(this.resubscribeTimer);
      this.resubscribeTimer = setTimeout(() => {
        if (this.subscriber.isReady() && !this.subscribed) void this.subscribeChannel();
      }, RESUBSCRIBE_DELAY_MS);
      this.resubscribeTimer.unref();
    }
  }

  private receive(payload: string): void {
    const message = parseMessage(payload);
    if (!message.success) {
      this.metrics?.countReceive('malformed');
      this.options.log.warn(
        { channel: this.options.channel, issue: message.issue, bytes: payload.length },
        'malformed run event dropped',
      );
      return;
    }
    if (message.data.origin === this.origin) return;

    this.metrics?.countReceive('delivered');
    void this.local.publish(message.data.event);
  }

  /**
   * Logs the first failed publish after a success at warn, so an outage logs
   * once. Later failures only count until a publish succeeds again.
   */
  private recordDroppedPublish(err: unknown, event: RunEvent): void {
    this.droppedPublishes += 1;
    if (this.droppedPublishes > 1) return;

    this.options.log.warn(
      { err, channel: this.options.channel, runId: event.runId, status: event.status },
      'run event not published to Redis',
    );
  }

  private recordPublished(): void {
    if (this.droppedPublishes === 0) return;

    this.options.log.info(
      { channel: this.options.channel, dropped: this.droppedPublishes },
      'run events published to Redis again',
    );
    this.droppedPublishes = 0;
  }
}

type ParsedMessage = { success: true; data: RunEventMessage } | { success: false; issue: string };

function parseMessage(payload: string): ParsedMessage {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { success: false, issue: 'not JSON' };
  }
  const parsed = RunEventMessageSchema.safeParse(json);
  if (parsed.success) return { success: true, data: parsed.data };

  const first = parsed.error.issues[0];
  return { success: false, issue: `${first?.path.join('.') || 'message'}: ${first?.message}` };
}
