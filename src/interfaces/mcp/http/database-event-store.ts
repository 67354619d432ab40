import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type {
  EventId,
  EventStore,
  StreamId,
} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { McpEventWriter } from './mcp-event-writer.ts';
import { EVENT_BATCH_SIZE, type McpStreamStore } from './mcp-stream-store.ts';

/**
 * Stream id the SDK (1.32) gives the standalone GET stream of a session.
 * Every other stream carries the response to one POST. The SDK keeps this
 * name private.
 */
export const STANDALONE_STREAM_ID = '_GET_stream';

/** A client's position in one stream: the stream and the sequence of the last event it received. */
export interface EventCursor {
  streamId: string;
  /** Sequence of the last event received; 0 for the priming event that opens a stream. */
  after: number;
}

/**
 * Formats an SSE event id: the stream id, a colon and the event's sequence
 * in its session. The stream is readable from the id alone, so resuming
 * needs no lookup and any web process can resume any stream of the session.
 */
export function formatEventId(streamId: string, sequence: number): EventId {
  return `${streamId}:${sequence}`;
}

export function parseEventId(eventId: string): EventCursor | null {
  const separator = eventId.lastIndexOf(':');
  if (separator <= 0) return null;

  const after = Number(eventId.slice(separator + 1));
  if (!Number.isSafeInteger(after) || after < 0) return null;
  return { streamId: eventId.slice(0, separator), after };
}

/**
 * The SDK's resumability store for one session, kept in the database.
 *
 * Events are numbered here, in the order the transport sends them, and
 * written behind: the transport gets the event id at once, and the
 * process's McpEventWriter inserts the row with others in a later batch, so
 * a response waits for no database round trip.
 *
 * A replay first flushes the writer, so it reads every event sent before it.
 * Events sent during a replay wait until the transport has registered the
 * resumed stream, so they go to it live instead of falling between the
 * replay's read and the new stream.
 *
 * Once the transport has registered a resumed stream of a POST,
 * `onPostStreamResumed` is called with its id. The transport ends only a
 * stream that it sends the response on, so the callback ends a stream whose
 * response went out before the resume.
 */
export class DatabaseEventStore implements EventStore {
  private lastSequence = 0;
  /** Replays in progress, per stream; they settle once the resumed stream is registered. */
  private readonly replays = new Map<StreamId, Promise<void>>();
  /**
   * Every stream the transport opened in this session, priming event
   * included, so a Last-Event-ID of another stream is rejected at once.
   * NOTE: grows by one id per request for the session's lifetime, which
   * MCP_SESSION_IDLE_SECONDS bounds.
   */
  private readonly streams = new Set<StreamId>();

  constructor(
    private readonly store: McpStreamStore,
    private readonly writer: McpEventWriter,
    private readonly sessionId: string,
    private readonly onPostStreamResumed: (streamId: StreamId) => void = () => undefined,
  ) {}

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    this.streams.add(streamId);
    // The SDK stores an empty message as the priming event of a new stream
    // (protocol 2025-11-25). Nothing precedes it, so it needs no row.
    if (Object.keys(message).length === 0) return formatEventId(streamId, 0);

    // Checked before any await, so an event is either appended before a
    // replay of its stream flushes the writer, or waits for that replay.
    const replay = this.replays.get(streamId);
    if (replay !== undefined) await replay;
    this.lastSequence += 1;
    const sequence = this.lastSequence;
    this.writer.append({ sessionId: this.sessionId, streamId, sequence, message });
    return formatEventId(streamId, sequence);
  }

  /** True when this session's transport sent at least one event on the stream. */
  knowsStream(streamId: StreamId): boolean {
    return this.streams.has(streamId);
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return parseEventId(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const cursor = parseEventId(lastEventId);
    if (cursor === null) {
      throw new Error(`Last-Event-ID "${lastEventId}" is not an event id of this server`);
    }

    // A second replay of the stream starts once the first one is registered,
    // after the events that waited for it, so its flush includes them.
    const previous = this.replays.get(cursor.streamId);
    const replay = (async () => {
      await previous;
      await this.writer.flush();
      for await (const event of readEventsAfter(this.store, this.sessionId, cursor)) {
        await send(formatEventId(cursor.streamId, event.sequence), event.message);
      }
    })();
    const registered = this.trackReplay(cursor.streamId, replay);
    await replay;
    if (cursor.streamId !== STANDALONE_STREAM_ID) {
      void registered.then(() => this.onPostStreamResumed(cursor.streamId));
    }
    return cursor.streamId;
  }

  /**
   * Holds the stream's new events until one macrotask after the replay: the
   * transport registers the resumed stream in the microtasks that follow it.
   */
  private trackReplay(streamId: StreamId, replay: Promise<void>): Promise<void> {
    const registered = replay.then(
      () => nextMacrotask(),
      () => undefined,
    );
    this.replays.set(streamId, registered);
    void registered.then(() => {
      if (this.replays.get(streamId) === registered) this.replays.delete(streamId);
    });
    return registered;
  }
}

/** True for a JSON-RPC response (a result or an error), the last message of a POST's stream. */
export function isJsonRpcResponse(message: JSONRPCMessage): boolean {
  return 'id' in message && ('result' in message || 'error' in message);
}

/** Reads a stream's events after the cursor in batches, oldest first. */
export async function* readEventsAfter(
  store: McpStreamStore,
  sessionId: string,
  cursor: EventCursor,
): AsyncGenerator<{ sequence: number; message: JSONRPCMessage }> {
  let after = cursor.after;
  for (;;) {
    const events = await store.listEventsAfter(sessionId, cursor.streamId, after);
    yield* events;
    const last = events.at(-1);
    if (last === undefined || events.length < EVENT_BATCH_SIZE) return;
    after = last.sequence;
  }
}
