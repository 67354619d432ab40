import type { ChatStreamEvent } from '../../domain/chat/chat-stream-event.ts';
import {
  ConversationStreamLog,
  type ConversationOwner,
  type StreamLogEntry,
} from './conversation-stream-log.ts';

export interface StreamStoreBounds {
  /** Bytes of serialized events kept per conversation. */
  conversationBytes: number;
  /** Bytes of serialized events kept across all conversations. */
  totalBytes: number;
  /** Milliseconds a finished conversation's log is kept. */
  retentionMs: number;
}

export interface StreamStoreStats {
  conversations: number;
  bytes: number;
  evictedEvents: number;
}

/**
 * The stream logs of every conversation this process is answering or has
 * recently answered, so a reconnecting client resumes where it stopped.
 *
 * Memory stays bounded: a log evicts its oldest events past
 * `conversationBytes`; past `totalBytes` the store drops finished logs, least
 * recently finished first, then the oldest events of the largest running log.
 * Each log keeps its newest event whatever its size, so the real ceiling is
 * the bound plus one event per conversation. Finished logs are dropped after
 * `retentionMs`. Logs live in this process only: a client that reconnects to
 * another web process reloads the conversation over REST.
 */
export class ConversationStreamStore {
  private readonly logs = new Map<string, ConversationStreamLog>();
  private totalBytes = 0;
  private evictedEvents = 0;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    private readonly bounds: StreamStoreBounds,
    private readonly now: () => number = Date.now,
  ) {
    this.sweepTimer = setInterval(() => this.dropExpired(), Math.min(bounds.retentionMs, 60_000));
    this.sweepTimer.unref();
  }

  get(conversationId: string): ConversationStreamLog | undefined {
    return this.logs.get(conversationId);
  }

  /** Returns the conversation's log, creating it for `owner` when absent; null when another user owns it. */
  open(conversationId: string, owner: ConversationOwner): ConversationStreamLog | null {
    const existing = this.logs.get(conversationId);
    if (existing) return existing.isOwnedBy(owner) ? existing : null;

    const log = new ConversationStreamLog(conversationId, owner);
    this.logs.set(conversationId, log);
    return log;
  }

  /** Appends an event, enforces the bounds, then notifies the log's followers. */
  append(log: ConversationStreamLog, event: ChatStreamEvent): StreamLogEntry {
    log.finishedAt = null;
    const entry = log.append(event);
    this.totalBytes += entry.bytes;
    this.trimConversation(log);
    this.trimTotal();
    for (const follower of log.followers) follower.onStreamAppended(log.conversationId);
    return entry;
  }

  /** Drops a conversation's log at once, as when the conversation was deleted. */
  remove(conversationId: string): void {
    const log = this.logs.get(conversationId);
    if (log) this.drop(log);
  }

  finish(log: ConversationStreamLog): void {
    log.finishedAt = this.now();
  }

  stats(): StreamStoreStats {
    return {
      conversations: this.logs.size,
      bytes: this.totalBytes,
      evictedEvents: this.evictedEvents,
    };
  }

  close(): void {
    clearInterval(this.sweepTimer);
    this.logs.clear();
    this.totalBytes = 0;
  }

  private trimConversation(log: ConversationStreamLog): void {
    while (log.bytes > this.bounds.conversationBytes && log.entryCount > 1) this.evictFrom(log);
  }

  private trimTotal(): void {
    while (this.totalBytes > this.bounds.totalBytes) {
      const finished = this.oldestFinished();
      if (finished) {
        this.drop(finished);
        continue;
      }

      const largest = this.largestRunning();
      if (!largest || largest.entryCount <= 1) return;
      this.evictFrom(largest);
    }
  }

  private evictFrom(log: ConversationStreamLog): void {
    this.totalBytes -= log.evictOldest();
    this.evictedEvents += 1;
  }

  private drop(log: ConversationStreamLog): void {
    this.logs.delete(log.conversationId);
    this.totalBytes -= log.bytes;
    this.evictedEvents += log.entryCount;
    for (const follower of log.followers) follower.onStreamDropped(log.conversationId, log.lastSeq);
  }

  private oldestFinished(): ConversationStreamLog | undefined {
    let oldest: ConversationStreamLog | undefined;
    for (const log of this.logs.values()) {
      if (log.finishedAt === null) continue;
      if (!oldest || log.finishedAt < (oldest.finishedAt ?? 0)) oldest = log;
    }
    return oldest;
  }

  private largestRunning(): ConversationStreamLog | undefined {
    let largest: ConversationStreamLog | undefined;
    for (const log of this.logs.values()) {
      if (!largest || log.bytes > largest.bytes) largest = log;
    }
    return largest;
  }

  private dropExpired(): void {
    const cutoff = this.now() - this.bounds.retentionMs;
    for (const log of [...this.logs.values()]) {
      if (log.finishedAt !== null && log.finishedAt <= cutoff) this.drop(log);
    }
  }
}
