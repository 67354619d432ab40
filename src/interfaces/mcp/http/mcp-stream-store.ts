import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Database } from '../../../adapters/storage/database.ts';
import type { Caller } from '../../../domain/organizations/caller.ts';

export interface McpSessionRow {
  id: string;
  organization_id: string;
  user_id: string;
}

export interface StoredEvent {
  /** The event's number within its session, in send order. */
  sequence: number;
  message: JSONRPCMessage;
}

/** An SSE event waiting to be stored: its session, stream and sequence in the session. */
export interface PendingEvent {
  sessionId: string;
  streamId: string;
  sequence: number;
  message: JSONRPCMessage;
}

/** Events a resumed stream reads per query; a longer backlog is read in several queries. */
export const EVENT_BATCH_SIZE = 500;

/**
 * Rows of the MCP Streamable HTTP transport (tables mcp_sessions and
 * mcp_stream_events): the open sessions with their organization and user,
 * and the SSE events of their streams, so a stream can resume on any web
 * process.
 */
export class McpStreamStore {
  constructor(private readonly db: Database) {}

  async insertSession(id: string, caller: Caller): Promise<void> {
    await this.db.query(
      'INSERT INTO mcp_sessions (id, organization_id, user_id) VALUES ($1, $2, $3)',
      [id, caller.organizationId, caller.userId],
    );
  }

  async touchSession(id: string): Promise<void> {
    await this.db.query('UPDATE mcp_sessions SET last_seen_at = now() WHERE id = $1', [id]);
  }

  /** Deletes a session and, by cascade, its events: a closed session cannot be resumed. */
  async deleteSession(id: string): Promise<void> {
    await this.db.query('DELETE FROM mcp_sessions WHERE id = $1', [id]);
  }

  /** Finds a session that some process still holds: seen within the last `aliveSeconds`. */
  async findLiveSession(id: string, aliveSeconds: number): Promise<McpSessionRow | undefined> {
    const rows = await this.db.query<McpSessionRow>(
      `SELECT id, organization_id, user_id FROM mcp_sessions
        WHERE id = $1 AND last_seen_at > now() - make_interval(secs => $2)`,
      [id, aliveSeconds],
    );
    return rows[0];
  }

  /**
   * Inserts a batch of events in one statement. Events of sessions that no
   * longer exist (closed or pruned while their events waited) are skipped,
   * because the foreign key would fail the whole batch. A session deleted
   * while the statement runs still fails it with 23503
   * (foreign_key_violation), and the batch writer then retries once.
   */
  async insertEvents(events: readonly PendingEvent[]): Promise<void> {
    if (events.length === 0) return;

    // Each message goes as its JSON text and is cast to json like a single
    // parameter would be. A json field of json_to_recordset would decode its
    // escapes and reject text that a json column stores, such as \u0000.
    const rows = events.map((event) => ({
      session_id: event.sessionId,
      sequence: event.sequence,
      stream_id: event.streamId,
      message: JSON.stringify(event.message),
    }));
    await this.db.query(
      `INSERT INTO mcp_stream_events (session_id, sequence, stream_id, message)
       SELECT e.session_id, e.sequence, e.stream_id, e.message::json
         FROM json_to_recordset($1::json)
              AS e(session_id text, sequence bigint, stream_id text, message text)
        WHERE EXISTS (SELECT 1 FROM mcp_sessions s WHERE s.id = e.session_id)`,
      [JSON.stringify(rows)],
    );
  }

  /** True when the session has at least one stored event on the stream. */
  async hasStreamEvents(sessionId: string, streamId: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM mcp_stream_events WHERE session_id = $1 AND stream_id = $2 LIMIT 1`,
      [sessionId, streamId],
    );
    return rows.length > 0;
  }

  /** True when the stream's response (a result or an error) is stored at or before sequence `upTo`. */
  async hasResponseUpTo(sessionId: string, streamId: string, upTo: number): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM mcp_stream_events
        WHERE session_id = $1 AND stream_id = $2 AND sequence <= $3
          AND (message->'result' IS NOT NULL OR message->'error' IS NOT NULL)
        LIMIT 1`,
      [sessionId, streamId, upTo],
    );
    return rows.length > 0;
  }

  /** Events of one stream after sequence `after`, oldest first, at most EVENT_BATCH_SIZE of them. */
  async listEventsAfter(
    sessionId: string,
    streamId: string,
    after: number,
  ): Promise<StoredEvent[]> {
    return this.db.query<StoredEvent>(
      `SELECT sequence, message FROM mcp_stream_events
        WHERE session_id = $1 AND stream_id = $2 AND sequence > $3
        ORDER BY sequence LIMIT ${EVENT_BATCH_SIZE}`,
      [sessionId, streamId, after],
    );
  }

  /**
   * Reads the next events of a stream for a relay in one query: null when the
   * session is gone (closed, or not touched for `aliveSeconds`), else the
   * events after sequence `after`, possibly none.
   */
  async readRelayBatch(
    sessionId: string,
    streamId: string,
    after: number,
    aliveSeconds: number,
  ): Promise<StoredEvent[] | null> {
    const rows = await this.db.query<{ sequence: number | null; message: JSONRPCMessage | null }>(
      `SELECT e.sequence, e.message FROM mcp_sessions s
         LEFT JOIN LATERAL (
           SELECT sequence, message FROM mcp_stream_events
            WHERE session_id = s.id AND stream_id = $2 AND sequence > $3
            ORDER BY sequence LIMIT ${EVENT_BATCH_SIZE}
         ) e ON true
        WHERE s.id = $1 AND s.last_seen_at > now() - make_interval(secs => $4)
        ORDER BY e.sequence`,
      [sessionId, streamId, after, aliveSeconds],
    );
    if (rows.length === 0) return null;
    return rows.flatMap((row) =>
      row.sequence === null || row.message === null
        ? []
        : [{ sequence: row.sequence, message: row.message }],
    );
  }

  /**
   * Deletes events older than `retentionSeconds`, and sessions no process has
   * touched for `staleSeconds` (their process stopped without closing them).
   */
  async prune(retentionSeconds: number, staleSeconds: number): Promise<void> {
    await this.db.query(
      'DELETE FROM mcp_stream_events WHERE created_at < now() - make_interval(secs => $1)',
      [retentionSeconds],
    );
    await this.db.query(
      'DELETE FROM mcp_sessions WHERE last_seen_at < now() - make_interval(secs => $1)',
      [staleSeconds],
    );
  }
}
