import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CacheEntry } from './cache-entry.ts';

/**
 * How long the invalidation sequence of a tag is kept, in milliseconds. A
 * load that runs longer than this could write back a value read before the
 * invalidation; loads are single database reads, far shorter.
 */
const INVALIDATION_RECORD_TTL_MS = 10 * 60_000;

/** Keys deleted per DEL command while invalidating a tag, so one command stays small. */
const DELETE_BATCH = 500;

/**
 * Maximum bytes of stored JSON, summed over keys, whose decoded entries the
 * tier keeps. It keeps the bytes too, to compare them with the next read, and
 * a decoded page of clean rooms took 1.2 times its JSON size of heap (Node
 * 20.20), so the whole takes about 2.2 times this figure.
 */
const DECODED_BYTES_MAX = 4 * 1024 * 1024;
/** Entries larger than this many bytes of JSON are decoded on every read and not kept. */
const DECODED_ENTRY_BYTES_MAX = 256 * 1024;

/**
 * Stores an entry unless the cache was cleared or one of its tags invalidated
 * after the load began, and indexes the entry's key under each tag.
 * KEYS[1] entry key. ARGV[1] entry JSON, ARGV[2] time to live in ms,
 * ARGV[3] sequence read when the load began, ARGV[4] key prefix, ARGV[5..] tags.
 * Returns 1 when stored, 0 when rejected as outdated.
 * NOTE: the tag keys are built inside the script, so it runs on a single
 * Redis server or a primary with replicas, not on Redis Cluster.
 */
const SET_IF_CURRENT = `
local start = tonumber(ARGV[3])
local prefix = ARGV[4]
if tonumber(redis.call('GET', prefix .. 'cleared') or '0') > start then return 0 end
for i = 5, #ARGV do
  if tonumber(redis.call('GET', prefix .. 'v:' .. ARGV[i]) or '0') > start then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 5, #ARGV do
  local tagKey = prefix .. 't:' .. ARGV[i]
  redis.call('SADD', tagKey, KEYS[1])
  if redis.call('PTTL', tagKey) < tonumber(ARGV[2]) then redis.call('PEXPIRE', tagKey, ARGV[2]) end
end
return 1
`;

/**
 * Advances the invalidation sequence, records it on each tag and deletes the
 * entries indexed under the tags. ARGV[1] key prefix, ARGV[2] time the
 * records are kept in ms, ARGV[3] keys per DEL, ARGV[4..] tags.
 * Returns the new sequence.
 */
const INVALIDATE = `
local prefix = ARGV[1]
local batch = tonumber(ARGV[3])
local sequence = redis.call('INCR', prefix .. 'seq')
for i = 4, #ARGV do
  redis.call('SET', prefix .. 'v:' .. ARGV[i], sequence, 'PX', ARGV[2])
  local tagKey = prefix .. 't:' .. ARGV[i]
  local members = redis.call('SMEMBERS', tagKey)
  for first = 1, #members, batch do
    redis.call('DEL', unpack(members, first, math.min(first + batch - 1, #members)))
  end
  redis.call('DEL', tagKey)
end
return sequence
`;

/** Marks the cache cleared: loads that began earlier are not written back. ARGV[1] key prefix. */
const MARK_CLEARED = `
local sequence = redis.call('INCR', ARGV[1] .. 'seq')
redis.call('SET', ARGV[1] .. 'cleared', sequence)
return sequence
`;

/** Deletes the lock KEYS[1] only while it still holds the token ARGV[1], so a lock that expired and was taken by another process stays. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** The last JSON read for a key and the entry decoded from it. */
interface DecodedEntry {
  json: Buffer;
  entry: CacheEntry;
}

/**
 * The Redis tier: entries as JSON under `<prefix>e:<key>`, a tag index, the
 * invalidation sequence that prevents stale write-back across processes, and
 * per-key locks so one process at a time runs a loader.
 *
 * Every read fetches the entry from Redis. When the bytes equal those of the
 * previous read of the key, the tier returns the entry object it decoded
 * then, instead of parsing the JSON again. Callers can then reuse work done
 * for that object, such as a serialized response body. The decoded entries
 * are kept up to DECODED_BYTES_MAX bytes of JSON, the oldest dropped first.
 */
export class RedisTier {
  private readonly decoded = new Map<string, DecodedEntry>();
  private decodedBytes = 0;

  constructor(
    private readonly client: Redis,
    /** Ends with a colon, such as "cleanroom:t_ab12:cache:". */
    private readonly prefix: string,
  ) {}

  async sequence(): Promise<number> {
    return Number((await this.client.get(`${this.prefix}seq`)) ?? 0);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const json = await this.client.getBuffer(this.entryKey(key));
    const previous = this.decoded.get(key);
    if (json !== null && previous?.json.equals(json)) return previous.entry;

    if (previous) this.forgetDecoded(key, previous);
    if (json === null) return undefined;
    const entry = JSON.parse(json.toString('utf8')) as CacheEntry;
    this.rememberDecoded(key, { json, entry });
    return entry;
  }

  /** Stores the entry until its grace period ends; returns false when an invalidation or clear ran since `startSequence`. */
  async setIfCurrent(
    key: string,
    entry: CacheEntry,
    startSequence: number,
    now: number,
  ): Promise<boolean> {
    const ttlMs = Math.max(1, Math.ceil(entry.staleUntil - now));
    const stored = await this.client.eval(
      SET_IF_CURRENT,
      1,
      this.entryKey(key),
      JSON.stringify(entry),
      ttlMs,
      startSequence,
      this.prefix,
      ...entry.tags,
    );
    return stored === 1;
  }

  async invalidate(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    await this.client.eval(
      INVALIDATE,
      0,
      this.prefix,
      INVALIDATION_RECORD_TTL_MS,
      DELETE_BATCH,
      ...tags,
    );
  }

  /** Deletes every entry and tag index of this prefix; loads that began before are not written back. */
  async clear(): Promise<void> {
    this.decoded.clear();
    this.decodedBytes = 0;
    await this.client.eval(MARK_CLEARED, 0, this.prefix);
    for (const pattern of ['e:*', 't:*']) {
      const stream = this.client.scanStream({ match: `${this.prefix}${pattern}`, count: 500 });
      for await (const keys of stream as AsyncIterable<string[]>) {
        if (keys.length > 0) await this.client.unlink(...keys);
      }
    }
  }

  /** Takes the loader lock of a key for `ttlMs`; returns its token, or null when another process holds it. */
  async lock(key: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    const reply = await this.client.set(this.lockKey(key), token, 'PX', ttlMs, 'NX');
    return reply === 'OK' ? token : null;
  }

  async unlock(key: string, token: string): Promise<void> {
    await this.client.eval(RELEASE_LOCK, 1, this.lockKey(key), token);
  }

  private rememberDecoded(key: string, decoded: DecodedEntry): void {
    if (decoded.json.length > DECODED_ENTRY_BYTES_MAX) return;

    this.decoded.set(key, decoded);
    this.decodedBytes += decoded.json.length;
    for (const [oldestKey, oldest] of this.decoded) {
      if (this.decodedBytes <= DECODED_BYTES_MAX) break;
      this.forgetDecoded(oldestKey, oldest);
    }
  }

  private forgetDecoded(key: string, decoded: DecodedEntry): void {
    this.decoded.delete(key);
    this.decodedBytes -= decoded.json.length;
  }

  private entryKey(key: string): string {
    return `${this.prefix}e:${key}`;
  }

  private lockKey(key: string): string {
    return `${this.prefix}l:${key}`;
  }
}
