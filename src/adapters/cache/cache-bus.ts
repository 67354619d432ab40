import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../logging/logger.ts';
import type { RedisConnection } from '../redis/redis-connection.ts';

/** What one process tells the others: drop these tags, or everything. */
const CacheBusMessageSchema = z.object({
  origin: z.string(),
  tags: z.array(z.string()).optional(),
  clear: z.boolean().optional(),
});
type CacheBusMessage = z.infer<typeof CacheBusMessageSchema>;

export interface CacheBusHandlers {
  onInvalidate(tags: readonly string[]): void;
  onClear(): void;
}

/**
 * Redis pub/sub channel that carries invalidations between processes, so
 * each one drops the entries of its in-process tier. Messages a process
 * publishes come back to it and are ignored by their origin id.
 */
export class CacheBus {
  private readonly origin = randomUUID();

  constructor(
    private readonly publisher: RedisConnection,
    private readonly subscriber: RedisConnection,
    private readonly channel: string,
    private readonly log: Logger,
  ) {}

  /** Handles the messages of other processes; `subscribe` must run after each (re)connection. */
  start(handlers: CacheBusHandlers): void {
    this.subscriber.client.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text, handlers);
    });
  }

  /** Subscribes to the channel; a second SUBSCRIBE of the same channel is harmless. */
  async subscribe(): Promise<void> {
    await this.subscriber.client.subscribe(this.channel);
  }

  async publishInvalidation(tags: readonly string[]): Promise<void> {
    await this.publish({ origin: this.origin, tags: [...tags] });
  }

  async publishClear(): Promise<void> {
    await this.publish({ origin: this.origin, clear: true });
  }

  private async publish(message: CacheBusMessage): Promise<void> {
    await this.publisher.client.publish(this.channel, JSON.stringify(message));
  }

  private receive(text: string, handlers: CacheBusHandlers): void {
    const parsed = CacheBusMessageSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      this.log.warn({ channel: this.channel }, 'cache bus message invalid, ignored');
      return;
    }

    const message = parsed.data;
    if (message.origin === this.origin) return;
    if (message.clear) handlers.onClear();
    if (message.tags) handlers.onInvalidate(message.tags);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
