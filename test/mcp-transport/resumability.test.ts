import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { McpSession } from '../../src/interfaces/mcp/http/mcp-session.ts';
import { McpStreamStore } from '../../src/interfaces/mcp/http/mcp-stream-store.ts';
import { ControlledFetch } from './support/controlled-fetch.ts';
import {
  connectClient,
  openRawSession,
  jsonRpcHeaders,
  readSseMessages,
  sendRawRequest,
  startMcpTestServer,
  type ConnectedClient,
  type JsonRpcErrorBody,
  type McpTestServer,
} from './support/mcp-test-server.ts';

/** Quick reconnects: the test, not a timer, decides when the resuming GET goes through. */
const reconnectionOptions = {
  initialReconnectionDelay: 10,
  maxReconnectionDelay: 50,
  reconnectionDelayGrowFactor: 1,
  maxRetries: 5,
};

interface ResumableClient extends ConnectedClient {
  controlledFetch: ControlledFetch;
  /** The `data` of each log notification received, in order. */
  received: unknown[];
}

async function connectResumableClient(server: McpTestServer): Promise<ResumableClient> {
  const controlledFetch = new ControlledFetch();
  const connected = await connectClient(server.url, server.platform.keys.advertiser, {
    fetch: controlledFetch.fetch,
    reconnectionOptions,
  });
  const received: unknown[] = [];
  connected.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    received.push(notification.params.data);
  });
  await controlledFetch.whenStreamOpen();
  return { ...connected, controlledFetch, received };
}

function sessionOf(server: McpTestServer, client: ConnectedClient): McpSession {
  const session = server.platform.app.mcp.sessions!.get(client.transport.sessionId!);
  if (session === undefined) throw new Error('the client has no session on this server');
  return session;
}

async function notify(session: McpSession, ...messages: string[]): Promise<void> {
  for (const data of messages) await session.server.sendLoggingMessage({ level: 'info', data });
}

/** Drops the client's GET stream and waits until the server has seen the connection close. */
async function dropStream(client: ResumableClient, session: McpSession): Promise<void> {
  client.controlledFetch.dropStream();
  await vi.waitFor(() => expect(session.openRequestCount).toBe(0), { timeout: 5_000 });
}

const UNKNOWN_EVENT_ID = '6f1d2c3b-0000-4000-8000-000000000000:3';

/** Resumes a stream of the client's session on `url` with a Last-Event-ID no stream of it carries. */
async function resumeUnknownStream(url: URL, client: ConnectedClient, key: string) {
  const response = await fetch(url, {
    method: 'GET',
    headers: {
      authorization: `Bearer ${key}`,
      accept: 'text/event-stream',
      'mcp-session-id': client.transport.sessionId!,
      'last-event-id': UNKNOWN_EVENT_ID,
    },
    // A server that never responds fails the test at the timeout instead of hanging it.
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: (await response.json()) as JsonRpcErrorBody };
}

describe('resuming a dropped SSE stream', () => {
  let server: McpTestServer;
  const clients: ConnectedClient[] = [];

  beforeAll(async () => {
    server = await startMcpTestServer();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(({ client }) => client.close()));
  });

  afterAll(async () => {
    await server?.close();
  });

  it('replays notifications sent while the stream was down', async () => {
    const client = await connectResumableClient(server);
    clients.push(client);
    const session = sessionOf(server, client);

    await notify(session, 'n1');
    await vi.waitFor(() => expect(client.received).toEqual(['n1']));
    await dropStream(client, session);
    await notify(session, 'n2', 'n3', 'n4');
    client.controlledFetch.releaseResume();
    await vi.waitFor(() => expect(client.received).toHaveLength(4), { timeout: 5_000 });
    await client.controlledFetch.whenStreamOpen();
    await notify(session, 'n5');

    await vi.waitFor(() => expect(client.received).toHaveLength(5));
    expect(client.received).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(client.controlledFetch.resumedFrom).toHaveLength(1);
    expect(client.controlledFetch.resumedFrom[0]).toMatch(/^_GET_stream:\d+$/);
  });

  it("replays a call's result to its resumed POST stream", async () => {
    const postStreams = new DroppingPostFetch();
    const connected = await connectClient(server.url, server.platform.keys.advertiser, {
      fetch: postStreams.fetch,
      reconnectionOptions,
    });
    clients.push(connected);
    const session = sessionOf(server, connected);

    // No worker runs here, so the run stays QUEUED and the call returns after its wait.
    const call = connected.client.callTool({
      name: 'start_run',
      arguments: {
        cleanRoomId: 'CR-000001',
        questionId: 'audience_overlap',
        parameters: { attribute: 'region' },
        idempotencyKey: 'resume-post-stream',
        waitSeconds: 1,
      },
    });
    // A failure below closes the client, which rejects the call: the test reports the failure instead.
    call.catch(() => undefined);
    await postStreams.whenDropped;
    await vi.waitFor(() => expect(session.openRequestCount).toBe(1), { timeout: 5_000 });
    const { db } = server.platform.platform.context;
    await vi.waitFor(
      async () => {
        // The call's result, not the initialize result, so the resume replays it.
        const rows = await db.query(
          `SELECT 1 FROM mcp_stream_events
            WHERE session_id = $1 AND message->'result'->'content' IS NOT NULL`,
          [session.id],
        );
        expect(rows).toHaveLength(1);
      },
      { timeout: 5_000 },
    );
    postStreams.releaseResume();
    const result = await call;

    // The resumed stream ends with the replayed response, as the original stream would have,
    // so only the client's standalone GET stream stays open.
    await vi.waitFor(() => expect(session.openRequestCount).toBe(1), { timeout: 5_000 });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { run: { status: string } }).run.status).toBe('QUEUED');
    expect(postStreams.resumedFrom).toHaveLength(1);
    expect(postStreams.resumedFrom[0]).toMatch(/^[0-9a-f-]{36}:0$/);
  });

  it('sends a later result to the resumed stream', async () => {
    const postStreams = new DroppingPostFetch();
    const connected = await connectClient(server.url, server.platform.keys.advertiser, {
      fetch: postStreams.fetch,
      reconnectionOptions,
    });
    clients.push(connected);
    const session = sessionOf(server, connected);

    // The run stays QUEUED, so the call responds after its 2 s wait, once the stream is resumed.
    const call = connected.client.callTool({
      name: 'start_run',
      arguments: {
        cleanRoomId: 'CR-000001',
        questionId: 'audience_overlap',
        parameters: { attribute: 'region' },
        idempotencyKey: 'resume-post-stream-live',
        waitSeconds: 2,
      },
    });
    call.catch(() => undefined);
    await postStreams.whenDropped;
    postStreams.releaseResume();
    const result = await call;

    await vi.waitFor(() => expect(session.openRequestCount).toBe(1), { timeout: 5_000 });
    expect(result.isError).toBeFalsy();
    expect(postStreams.resumedFrom).toHaveLength(1);
  });

  it('ends a resumed POST stream after its response', async () => {
    const key = server.platform.keys.advertiser;
    const sessionId = await openRawSession(server.url, key);
    const call = await sendRawRequest(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(key, {
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      }),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        // A progress token requests an SSE stream. A plain call gets one JSON response.
        params: { name: 'list_clean_rooms', arguments: {}, _meta: { progressToken: 'p-7' } },
      }),
    });
    expect(call.status).toBe(200);
    const eventIds = readSseEventIds(call.body);
    expect(eventIds).toHaveLength(2);
    const [primingId = '', responseId = ''] = eventIds;
    const session = server.platform.app.mcp.sessions!.get(sessionId)!;

    const fromStart = await resumeRaw(server.url, key, sessionId, primingId);
    const afterResponse = await resumeRaw(server.url, key, sessionId, responseId);

    expect(readSseMessages(fromStart)).toEqual([
      expect.objectContaining({ id: 7, result: expect.anything() }),
    ]);
    expect(readSseMessages(afterResponse)).toEqual([]);
    await vi.waitFor(() => expect(session.openRequestCount).toBe(0));
  });

  it('prunes events older than the retention time', async () => {
    const client = await connectResumableClient(server);
    clients.push(client);
    const session = sessionOf(server, client);
    await notify(session, 'old', 'recent');
    const { db } = server.platform.platform.context;
    const readMessages = async () => {
      const rows = await db.query<{ data: string }>(
        `SELECT message->'params'->>'data' AS data FROM mcp_stream_events
          WHERE session_id = $1 AND message->>'method' = 'notifications/message'
          ORDER BY sequence`,
        [session.id],
      );
      return rows.map((row) => row.data);
    };
    // Events are written behind the transport, so wait for both rows.
    await vi.waitFor(async () => expect(await readMessages()).toEqual(['old', 'recent']));
    await db.query(
      `UPDATE mcp_stream_events SET created_at = now() - interval '1 hour'
        WHERE session_id = $1 AND message->'params'->>'data' = 'old'`,
      [session.id],
    );

    await new McpStreamStore(db).prune(600, 3600);

    expect(await readMessages()).toEqual(['recent']);
  });

  it('answers 404 at once to a Last-Event-ID of an unknown stream', async () => {
    const client = await connectResumableClient(server);
    clients.push(client);

    const { status, body } = await resumeUnknownStream(
      server.url,
      client,
      server.platform.keys.advertiser,
    );

    expect(status).toBe(404);
    expect(body.error.data.code).toBe('MCP_STREAM_NOT_FOUND');
    expect(body.error.message).toContain(UNKNOWN_EVENT_ID);
  });

  it('rejects a Last-Event-ID of another stream format with 400', async () => {
    const client = await connectResumableClient(server);
    clients.push(client);

    const response = await fetch(server.url, {
      method: 'GET',
      headers: {
        ...jsonRpcHeaders(server.platform.keys.advertiser),
        accept: 'text/event-stream',
        'mcp-session-id': client.transport.sessionId!,
        'last-event-id': 'not-an-event-id',
      },
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { data: { code: 'VALIDATION_FAILED' } },
    });
  });
});

describe('resuming on another web process', () => {
  let first: McpTestServer;
  let second: McpTestServer;
  const clients: ConnectedClient[] = [];

  beforeAll(async () => {
    first = await startMcpTestServer();
    const { dataDir, schema } = first.platform;
    second = await startMcpTestServer({ reuse: { dataDir, schema } });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(({ client }) => client.close()));
  });

  afterAll(async () => {
    await second?.stop();
    await first?.close();
  });

  it('relays stored and new notifications from the shared database', async () => {
    const client = await connectResumableClient(first);
    clients.push(client);
    const session = sessionOf(first, client);

    await notify(session, 'n1');
    await vi.waitFor(() => expect(client.received).toEqual(['n1']));
    await dropStream(client, session);
    await notify(session, 'n2', 'n3');
    client.controlledFetch.releaseResume(second.url);
    await vi.waitFor(() => expect(client.received).toHaveLength(3), { timeout: 5_000 });
    await notify(session, 'n4', 'n5');

    await vi.waitFor(() => expect(client.received).toHaveLength(5), { timeout: 5_000 });
    expect(client.received).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(second.platform.app.mcp.sessions!.size).toBe(0);
  });

  it('ends a relayed POST stream after its response', async () => {
    const key = first.platform.keys.advertiser;
    const sessionId = await openRawSession(first.url, key);
    const call = await sendRawRequest(first.url, {
      method: 'POST',
      headers: jsonRpcHeaders(key, {
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      }),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 8,
        method: 'tools/call',
        params: { name: 'list_clean_rooms', arguments: {}, _meta: { progressToken: 'p-8' } },
      }),
    });
    const [primingId = '', responseId = ''] = readSseEventIds(call.body);
    const { db } = first.platform.platform.context;
    // Events are written behind the transport, and the relay reads only stored ones.
    await vi.waitFor(async () => {
      const rows = await db.query(
        `SELECT 1 FROM mcp_stream_events WHERE session_id = $1 AND message->>'id' = '8'`,
        [sessionId],
      );
      expect(rows).toHaveLength(1);
    });

    const fromStart = await resumeRaw(second.url, key, sessionId, primingId);
    const afterResponse = await resumeRaw(second.url, key, sessionId, responseId);

    expect(readSseMessages(fromStart)).toEqual([
      expect.objectContaining({ id: 8, result: expect.anything() }),
    ]);
    expect(readSseMessages(afterResponse)).toEqual([]);
  });

  it('answers 404 at once to an unknown stream of a live session', async () => {
    const client = await connectResumableClient(first);
    clients.push(client);

    const { status, body } = await resumeUnknownStream(
      second.url,
      client,
      first.platform.keys.advertiser,
    );

    expect(status).toBe(404);
    expect(body.error.data.code).toBe('MCP_STREAM_NOT_FOUND');
    expect(body.error.message).toContain(UNKNOWN_EVENT_ID);
  });

  it("answers 404 to a resume with another organization's key", async () => {
    const client = await connectResumableClient(first);
    clients.push(client);
    const session = sessionOf(first, client);
    await notify(session, 'n1');
    await vi.waitFor(() => expect(client.received).toEqual(['n1']));

    const response = await fetch(second.url, {
      method: 'GET',
      headers: {
        authorization: `Bearer ${first.platform.keys.retailer}`,
        accept: 'text/event-stream',
        'mcp-session-id': client.transport.sessionId!,
        'last-event-id': '_GET_stream:0',
      },
    });

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { data: { code: 'MCP_SESSION_NOT_FOUND' } },
    });
  });
});

/** Resumes a stream with raw HTTP and returns its whole body. A stream that stays open fails the test at the timeout. */
async function resumeRaw(url: URL, key: string, sessionId: string, lastEventId: string) {
  const response = await fetch(url, {
    method: 'GET',
    headers: {
      authorization: `Bearer ${key}`,
      accept: 'text/event-stream',
      'mcp-session-id': sessionId,
      'last-event-id': lastEventId,
    },
    signal: AbortSignal.timeout(5_000),
  });
  expect(response.status).toBe(200);
  return response.text();
}

/** Reads the `id:` of each event of an SSE body, in order. */
function readSseEventIds(body: string): string[] {
  return body
    .split('\n')
    .filter((line) => line.startsWith('id: '))
    .map((line) => line.slice('id: '.length));
}

/**
 * A fetch for the SDK client that fails the SSE stream of the first tools/call
 * POST after its priming event, as a network failure would, and holds the
 * client's resuming GET until the test releases it.
 */
class DroppingPostFetch {
  readonly resumedFrom: string[] = [];
  readonly whenDropped: Promise<void>;
  private dropped!: () => void;
  private release!: () => void;
  private readonly resumeGate = new Promise<void>((resolve) => (this.release = resolve));
  private droppedOne = false;

  constructor() {
    this.whenDropped = new Promise((resolve) => (this.dropped = resolve));
  }

  readonly fetch: FetchLike = async (url, init) => {
    const lastEventId = new Headers(init?.headers).get('last-event-id');
    if ((init?.method ?? 'GET') === 'GET' && lastEventId !== null) {
      this.resumedFrom.push(lastEventId);
      await this.resumeGate;
    }

    const response = await fetch(url, init);
    const isToolCall = typeof init?.body === 'string' && init.body.includes('"tools/call"');
    if (this.droppedOne || !isToolCall || response.body === null) return response;
    this.droppedOne = true;
    return this.dropAfterFirstChunk(response);
  };

  releaseResume(): void {
    this.release();
  }

  private dropAfterFirstChunk(response: Response): Response {
    const reader = response.body!.getReader();
    let chunks = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (chunks === 1) {
          controller.error(new Error('stream dropped by the test'));
          await reader.cancel().catch(() => undefined);
          this.dropped();
          return;
        }
        const { done, value } = await reader.read();
        chunks += 1;
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  }
}
