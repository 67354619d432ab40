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

  async insertEvent(
    sessionId: string,
    streamId: string,
    sequence: number,
    message: JSONRPCMessage,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO mcp_stream_events (session_id, sequence, stream_id, message) VALUES ($1, $2, $3, $4)`,
      [sessionId, sequence, streamId, JSON.stringify(message)],
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
