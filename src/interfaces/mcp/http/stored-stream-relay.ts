import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../../adapters/logging/logger.ts';
import {
  formatEventId,
  isJsonRpcResponse,
  STANDALONE_STREAM_ID,
  type EventCursor,
} from './database-event-store.ts';
import type { McpStreamStore } from './mcp-stream-store.ts';

/** How often a relay looks for new events in the database, in milliseconds. */
const RELAY_POLL_INTERVAL_MS = 200;
/** An SSE comment after this much silence keeps proxies from closing the stream, in milliseconds (the SDK's interval). */
const KEEP_ALIVE_INTERVAL_MS = 15_000;

export interface StoredStreamRelayOptions {
  store: McpStreamStore;
  sessionId: string;
  cursor: EventCursor;
  response: ServerResponse;
  /** A session not touched for this long counts as gone, in seconds. */
  aliveSeconds: number;
  /** Aborted when this process shuts down. */
  signal: AbortSignal;
  log: Logger;
}

/**
 * Resumes a stream of a session that another web process holds: replays the
 * stored events after the client's Last-Event-ID, then forwards new events
 * as the owning process stores them. The relay ends when the client goes,
 * when the session closes, or, on a POST's stream, after the response,
 * because each POST carries one JSON-RPC request since protocol 2025-06-18.
 * It ends at once when the client had the response already.
 * NOTE: a batch POST of an older protocol has several responses, and the
 * relay ends after the first.
 */
export async function relayStoredStream(options: StoredStreamRelayOptions): Promise<void> {
  const { response, cursor } = options;
  const ended = new AbortController();
  const stop = () => ended.abort();
  response.once('close', stop);
  options.signal.addEventListener('abort', stop, { once: true });

  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'mcp-session-id': options.sessionId,
  });
  try {
    await forwardEvents(options, ended.signal);
  } finally {
    options.signal.removeEventListener('abort', stop);
    response.off('close', stop);
    response.end();
  }
  options.log.debug(
    { sessionId: options.sessionId, streamId: cursor.streamId },
    'MCP stream relay ended',
  );
}

async function forwardEvents(options: StoredStreamRelayOptions, ended: AbortSignal): Promise<void> {
  const { store, sessionId, cursor, response } = options;
  const isPostStream = cursor.streamId !== STANDALONE_STREAM_ID;
  // A client that resumes after the response already has the stream's last message.
  if (isPostStream && (await store.hasResponseUpTo(sessionId, cursor.streamId, cursor.after))) {
    return;
  }
  let after = cursor.after;
  let lastWriteAt = Date.now();

  while (!ended.aborted) {
    const events = await store.readRelayBatch(
      sessionId,
      cursor.streamId,
      after,
      options.aliveSeconds,
    );
    if (events === null) return;

    for (const event of events) {
      response.write(formatSseEvent(formatEventId(cursor.streamId, event.sequence), event.message));
      after = event.sequence;
      lastWriteAt = Date.now();
      if (isPostStream && isJsonRpcResponse(event.message)) return;
    }
    if (Date.now() - lastWriteAt >= KEEP_ALIVE_INTERVAL_MS) {
      response.write(': keepalive\n\n');
      lastWriteAt = Date.now();
    }
    if (events.length === 0) await sleepUnlessEnded(ended);
  }
}

/** Formats an SSE event as the SDK's transport does, so clients see no difference. */
function formatSseEvent(eventId: string, message: JSONRPCMessage): string {
  return `event: message\nid: ${eventId}\ndata: ${JSON.stringify(message)}\n\n`;
}

async function sleepUnlessEnded(ended: AbortSignal): Promise<void> {
  await sleep(RELAY_POLL_INTERVAL_MS, undefined, { signal: ended }).catch(() => undefined);
}
