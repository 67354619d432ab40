-- MCP Streamable HTTP sessions and the SSE events sent on their streams, so a
-- client whose stream dropped can resume from Last-Event-ID on any web
-- process that shares this database. Rows are short-lived: closing a session
-- deletes it with its events, and the web processes delete events older than
-- MCP_EVENT_RETENTION_SECONDS and sessions whose process stopped touching them.

CREATE TABLE mcp_sessions (
  id text PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Written by the owning process at most once a minute, so other processes can tell a live session from a dead one.
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mcp_sessions_last_seen_idx ON mcp_sessions (last_seen_at);

-- One row per SSE event. The sequence is the event's cursor within its
-- session: the owning process numbers events in send order and stores each
-- stream's events one at a time, so along a stream a row with a higher
-- sequence is never visible before one with a lower sequence.
CREATE TABLE mcp_stream_events (
  session_id text NOT NULL REFERENCES mcp_sessions (id) ON DELETE CASCADE,
  sequence bigint NOT NULL,
  stream_id text NOT NULL,
  message json NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, sequence)
);
CREATE INDEX mcp_stream_events_stream_idx ON mcp_stream_events (session_id, stream_id, sequence);
CREATE INDEX mcp_stream_events_created_idx ON mcp_stream_events (created_at);
