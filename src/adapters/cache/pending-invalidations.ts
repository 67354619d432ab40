import type { CacheBus } from './cache-bus.ts';
import type { RedisTier } from './redis-tier.ts';

/** Pending invalidations kept while Redis is unreachable; past this the whole cache is cleared on recovery. */
const PENDING_TAGS_MAX = 10_000;

/**
 * Invalidations this process could not send to Redis, replayed once Redis
 * is back: Redis may still contain entries they must delete, and the other
 * processes' memory too.
 */
export class PendingInvalidations {
  private readonly tags = new Set<string>();
  private clearAll = false;

  get isEmpty(): boolean {
    return !this.clearAll && this.tags.size === 0;
  }

  add(tags: readonly string[]): void {
    for (const tag of tags) this.tags.add(tag);
    if (this.tags.size > PENDING_TAGS_MAX) this.addClear();
  }

  addClear(): void {
    this.tags.clear();
    this.clearAll = true;
  }

  /** Sends the pending clear or invalidations; what fails stays pending for the next attempt. */
  async replay(remote: RedisTier, bus: CacheBus): Promise<void> {
    if (this.clearAll) {
      await remote.clear();
      await bus.publishClear();
      this.clearAll = false;
      this.tags.clear();
    }
    const tags = [...this.tags];
    if (tags.length === 0) return;

    await remote.invalidate(tags);
    await bus.publishInvalidation(tags);
    for (const tag of tags) this.tags.delete(tag);
  }
}
