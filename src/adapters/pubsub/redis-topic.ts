import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { z } from 'zod';
import type { Logger } from '../logging/logger.ts';
import { RedisConnection } from '../redis/redis-connection.ts';
import { InProcessTopic, type PubSubTopic, type TopicListener } from './pubsub-topic.ts';

export interface RedisTopicOptions<Message> {
  url: string;
  /** Pub/sub channel shared by every process of one deployment, such as "cleanroom:public:answer-stops". */
  channel: string;
  /** Schema each message from Redis must match. A message that does not is dropped with a warning. */
  schema: z.ZodType<Message>;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  log: Logger;
  /** Prefix of the two connection names shown in `CLIENT LIST`, such as "answer-stops". */
  connectionName: string;
}

/** A message on the Redis channel, tagged with the process that published it. */
const EnvelopeSchema = z.object({ origin: z.string().min(1), message: z.unknown() });

/** Pause before subscribing again after a SUBSCRIBE failed on a ready connection, in milliseconds. */
const RESUBSCRIBE_DELAY_MS = 1_000;

/**
 * A topic across processes over Redis pub/sub. One connection publishes and
 * one subscribes, because a subscribed Redis connection accepts no other
 * commands. Listeners of the publishing process get a message at once from a
 * local topic, and the copy that comes back from Redis is dropped by its
 * origin id, so each listener gets a message once.
 *
 * NOTE: RedisRunEventBus handles its connections the same way with its own
 * log lines and metrics, which tests and dashboards read. Moving it onto this
 * class would change those lines.
 */
export class RedisTopic<Message> implements PubSubTopic<Message> {
  readonly crossesProcesses: boolean = true;
  private readonly local: InProcessTopic<Message>;
  private readonly origin = randomUUID();
  private readonly publisher: RedisConnection;
  private readonly subscriber: RedisConnection;
  private subscribed = false;
  private closed = false;
  private resubscribeTimer: NodeJS.Timeout | undefined;
  /** Emits 'subscribed' for waitUntilSubscribed. */
  private readonly events = new EventEmitter();

  constructor(private readonly options: RedisTopicOptions<Message>) {
    this.local = new InProcessTopic(options.channel, options.log);
    const connection = {
      url: options.url,
      commandTimeoutMs: options.commandTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      log: options.log,
    };
    this.publisher = new RedisConnection({
      ...connection,
      name: `${options.connectionName}-publisher`,
    });
    this.subscriber = new RedisConnection({
      ...connection,
      name: `${options.connectionName}-subscriber`,
    });

    // 'ready' follows the first connection and every reconnection, so the
    // channel is subscribed again after Redis restarts or drops the connection.
    this.subscriber.client.on('ready', () => void this.subscribeChannel());
    this.subscriber.client.on('close', () => (this.subscribed = false));
    this.subscriber.client.on('message', (channel: string, payload: string) => {
      if (channel === options.channel) this.receive(payload);
    });
  }

  async publish(message: Message): Promise<void> {
    await this.local.publish(message);
    if (this.closed) throw new Error(`Redis topic ${this.options.channel} is closed`);
    if (!this.publisher.isReady()) throw new Error('Redis connection is not ready');

    await this.publisher.client.publish(
      this.options.channel,
      JSON.stringify({ origin: this.origin, message }),
    );
  }

  subscribe(listener: TopicListener<Message>): () => void {
    return this.local.subscribe(listener);
  }

  /** Returns whether the subscriber connection is subscribed to the channel now. */
  isSubscribed(): boolean {
    return this.subscribed;
  }

  /** Resolves once the channel is subscribed, or rejects after `timeoutMs`. */
  async waitUntilSubscribed(timeoutMs = this.options.connectTimeoutMs): Promise<void> {
    if (this.subscribed) return;

    try {
      await once(this.events, 'subscribed', { signal: AbortSignal.timeout(timeoutMs) });
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

    const { channel, log } = this.options;
    try {
      await this.subscriber.client.subscribe(channel);
      this.subscribed = true;
      this.events.emit('subscribed');
      log.info({ channel }, 'topic subscribed');
    } catch (err) {
      // A timed-out SUBSCRIBE on a ready connection gets no second 'ready' event, so retry here.
      log.warn({ err, channel }, 'topic not subscribed');
      clearTimeout(this.resubscribeTimer);
      this.resubscribeTimer = setTimeout(() => {
        if (this.subscriber.isReady() && !this.subscribed) void this.subscribeChannel();
      }, RESUBSCRIBE_DELAY_MS);
      this.resubscribeTimer.unref();
    }
  }

  private receive(payload: string): void {
    const parsed = this.parse(payload);
    if (!parsed.success) {
      this.options.log.warn(
        { channel: this.options.channel, issue: parsed.issue, bytes: payload.length },
        'malformed topic message dropped',
      );
      return;
    }
    if (parsed.origin === this.origin) return;

    void this.local.publish(parsed.message);
  }

  private parse(
    payload: string,
  ): { success: true; origin: string; message: Message } | { success: false; issue: string } {
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      return { success: false, issue: 'not JSON' };
    }
    const envelope = EnvelopeSchema.safeParse(json);
    if (!envelope.success) return { success: false, issue: firstIssue(envelope.error, '') };
    const message = this.options.schema.safeParse(envelope.data.message);
    if (!message.success) return { success: false, issue: firstIssue(message.error, 'message.') };

    return { success: true, origin: envelope.data.origin, message: message.data };
  }
}

function firstIssue(error: z.ZodError, prefix: string): string {
  const first = error.issues[0];
  return `${prefix}${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`;
}
