import type { CacheEntry } from './cache-entry.ts';

/** Invalidation records kept before old ones are pruned; each is a tag name and a number. */
const INVALIDATION_RECORDS_MAX = 10_000;

/**
 * The in-process tier: a least-recently-used map of entries with an index
 * from tag to keys, and an invalidation sequence that rejects the write-back
 * of a value whose load began before an invalidation of one of its tags.
 */
export class LocalTier {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly keysByTag = new Map<string, Set<string>>();
  /** Sequence number of the last invalidation of each tag. */
  private readonly invalidatedAt = new Map<string, number>();
  /** Start sequences of the loads still running, with their counts. */
  private readonly activeLoads = new Map<number, number>();
  private clearedAt = 0;
  private current = 0;

  constructor(private readonly maxItems: number) {}

  /** Number of the last invalidation or clear; a load records it when it begins. */
  get sequence(): number {
    return this.current;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.staleUntil <= now) {
      this.delete(key);
      return undefined;
    }

    // Re-inserting moves the key to the end of the map's order, which is the recently used end.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** Stores an entry unless a tag of it was invalidated after `startSequence`; returns whether it did. */
  set(key: string, entry: CacheEntry, startSequence: number): boolean {
    if (this.maxItems === 0 || this.isOutdated(entry.tags, startSequence)) return false;

    this.delete(key);
    this.entries.set(key, entry);
    for (const tag of entry.tags) {
      let keys = this.keysByTag.get(tag);
      if (!keys) this.keysByTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    if (this.entries.size > this.maxItems) this.delete(this.entries.keys().next().value!);
    return true;
  }

  isOutdated(tags: readonly string[], startSequence: number): boolean {
    if (this.clearedAt > startSequence) return true;
    return tags.some((tag) => (this.invalidatedAt.get(tag) ?? 0) > startSequence);
  }

  invalidate(tags: readonly string[]): void {
    this.current += 1;
    for (const tag of tags) {
      this.invalidatedAt.set(tag, this.current);
      for (const key of this.keysByTag.get(tag) ?? []) this.delete(key);
      this.keysByTag.delete(tag);
    }
    if (this.invalidatedAt.size > INVALIDATION_RECORDS_MAX) this.pruneInvalidations();
  }

  clear(): void {
    this.current += 1;
    this.clearedAt = this.current;
    this.entries.clear();
    this.keysByTag.clear();
    this.invalidatedAt.clear();
  }

  /** Records a load that begins now and returns its start sequence. */
  beginLoad(): number {
    this.activeLoads.set(this.current, (this.activeLoads.get(this.current) ?? 0) + 1);
    return this.current;
  }

  endLoad(startSequence: number): void {
    const remaining = (this.activeLoads.get(startSequence) ?? 1) - 1;
    if (remaining > 0) this.activeLoads.set(startSequence, remaining);
    else this.activeLoads.delete(startSequence);
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;

    this.entries.delete(key);
    for (const tag of entry.tags) {
      const keys = this.keysByTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.keysByTag.delete(tag);
    }
  }

  /** Drops invalidation records no running load can be older than; only those can still reject a write. */
  private pruneInvalidations(): void {
    const oldestLoad = Math.min(...this.activeLoads.keys(), this.current);
    for (const [tag, sequence] of this.invalidatedAt) {
      if (sequence <= oldestLoad) this.invalidatedAt.delete(tag);
    }
  }
}
