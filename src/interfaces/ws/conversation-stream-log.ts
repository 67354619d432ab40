import type { ChatStreamEvent } from '../../domain/chat/chat-stream-event.ts';
import type { ChatMessage } from '../../domain/chat/ws-protocol.ts';

/** One numbered event, kept as the `chat` frame sockets send, so a replay sends the same bytes. */
export interface StreamLogEntry {
  seq: number;
  frame: string;
  bytes: number;
}

/** Owner of a conversation's stream: its user, within its organization, is the only reader. */
export interface ConversationOwner {
  organizationId: string;
  userId: string;
}

/** A socket that follows a conversation, notified of new events and of the log being dropped. */
export interface StreamLogFollower {
  onStreamAppended(conversationId: string): void;
  /** The log is gone from memory; `lastSeq` was its newest event. */
  onStreamDropped(conversationId: string, lastSeq: number): void;
}

/**
 * The numbered chat events of one conversation, oldest first. Sequence
 * numbers start at 1 and grow by one per event. The oldest events are evicted
 * when the log outgrows its byte bound, so `firstSeq` moves forward and a
 * resume from before it is no longer possible.
 */
export class ConversationStreamLog {
  readonly followers = new Set<StreamLogFollower>();
  private readonly entries: StreamLogEntry[] = [];
  private nextSeq = 1;
  bytes = 0;
  /** Time the last answer ended, in epoch milliseconds; null while one is being written. */
  finishedAt: number | null = null;

  constructor(
    readonly conversationId: string,
    readonly owner: ConversationOwner,
  ) {}

  /** Sequence number of the oldest event kept; `lastSeq + 1` when the log is empty. */
  get firstSeq(): number {
    return this.entries[0]?.seq ?? this.nextSeq;
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  isOwnedBy(owner: ConversationOwner): boolean {
    return this.owner.organizationId === owner.organizationId && this.owner.userId === owner.userId;
  }

  /** Numbers and stores an event; returns the entry. */
  append(event: ChatStreamEvent): StreamLogEntry {
    const message: ChatMessage = {
      type: 'chat',
      conversationId: this.conversationId,
      seq: this.nextSeq,
      event,
    };
    const frame = JSON.stringify(message);
    const entry = { seq: this.nextSeq, frame, bytes: Buffer.byteLength(frame) };
    this.entries.push(entry);
    this.nextSeq += 1;
    this.bytes += entry.bytes;
    return entry;
  }

  /** Returns the entry with this sequence number, or undefined when it was evicted or does not exist yet. */
  entryAt(seq: number): StreamLogEntry | undefined {
    return this.entries[seq - this.firstSeq];
  }

  /** Evicts the oldest entry, keeping the newest one; returns the bytes freed. */
  evictOldest(): number {
    if (this.entries.length <= 1) return 0;

    const evicted = this.entries.shift();
    this.bytes -= evicted?.bytes ?? 0;
    return evicted?.bytes ?? 0;
  }

  get entryCount(): number {
    return this.entries.length;
  }
}
