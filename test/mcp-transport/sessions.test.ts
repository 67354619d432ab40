import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  initializeRequest,
  jsonRpcHeaders,
  readJsonRpcMessages,
  startMcpTestServer,
  toolsListRequest,
  type ConnectedClient,
  type JsonRpcErrorBody,
  type McpTestServer,
} from './support/mcp-test-server.ts';

const HOLIDAY_ROOM = { displayId: 'CR-000001', name: 'Northwind x Daily Ledger Holiday Campaign' };

interface CleanRoomPage {
  items: { displayId: string; name: string }[];
}

describe('MCP Streamable HTTP sessions', () => {
  let server: McpTestServer;
  const clients: ConnectedClient[] = [];

  beforeAll(async () => {
    server = await startMcpTestServer({
      env: { MCP_MAX_SESSIONS: '3', MCP_MAX_SESSIONS_PER_ORGANIZATION: '2' },
    });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(closeSession));
  });

  afterAll(async () => {
    await server?.close();
  });

  async function connect(key = server.platform.keys.advertiser): Promise<ConnectedClient> {
    const connected = await connectClient(server.url, key);
    clients.push(connected);
    return connected;
  }

  async function postToolsList(sessionId: string | null, key = server.platform.keys.advertiser) {
    return fetch(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(key, {
        'mcp-protocol-version': '2025-11-25',
        ...(sessionId === null ? {} : { 'mcp-session-id': sessionId }),
      }),
      body: JSON.stringify(toolsListRequest),
    });
  }

  it('initializes a session and lists the tools', async () => {
    const { client, transport } = await connect();

    const { tools } = await client.listTools();

    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(tools.map((tool) => tool.name)).toContain('list_clean_rooms');
  });

  it('calls list_clean_rooms for the caller organization', async () => {
    const { client } = await connect();

    const result = await client.callTool({ name: 'list_clean_rooms', arguments: {} });

    expect(result.isError).toBeFalsy();
    const page = result.structuredContent as unknown as CleanRoomPage;
    expect(page.items).toContainEqual(expect.objectContaining(HOLIDAY_ROOM));
  });

  it('answers 400 without a session id', async () => {
    const response = await postToolsList(null);
    const body = await response.json();

    expect(response.status).toBe(400);
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, data: { code: 'MCP_SESSION_REQUIRED' } },
    });
  });

  it('answers 404 for an unknown session, then initializes anew', async () => {
    const response = await postToolsList('5d7c9c36-0000-4000-8000-000000000000');
    const body = await response.json();

    expect(response.status).toBe(404);
    expect(body).toMatchObject({
      error: { code: -32001, data: { code: 'MCP_SESSION_NOT_FOUND' } },
    });

    const { client } = await connect();
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("rejects another organization's credentials on a session", async () => {
    const { client, transport } = await connect();
    const sessionId = transport.sessionId!;

    const foreign = await postToolsList(sessionId, server.platform.keys.publisher);

    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({
      error: { data: { code: 'MCP_SESSION_NOT_FOUND' } },
    });
    const own = await postToolsList(sessionId);
    expect(own.status).toBe(200);
    expect(readJsonRpcMessages(own.headers.get('content-type'), await own.text())).toContainEqual(
      expect.objectContaining({ id: 2 }),
    );
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('ends a session on DELETE', async () => {
    const { transport } = await connect();
    const sessionId = transport.sessionId!;

    await transport.terminateSession();

    expect((await postToolsList(sessionId)).status).toBe(404);
    expect(server.platform.app.mcp.sessions!.get(sessionId)).toBeUndefined();
    const rows = await server.platform.platform.context.db.query(
      'SELECT id FROM mcp_sessions WHERE id = $1',
      [sessionId],
    );
    expect(rows).toEqual([]);
  });

  it('ends a session on DELETE sent with Content-Type', async () => {
    const { transport } = await connect();
    const sessionId = transport.sessionId!;
    // The SDK client sends its default headers, Content-Type included, on every request.
    const response = await fetch(server.url, {
      method: 'DELETE',
      headers: {
        ...jsonRpcHeaders(server.platform.keys.advertiser),
        'mcp-session-id': sessionId,
      },
    });

    expect(response.status).toBe(200);
    expect(server.platform.app.mcp.sessions!.get(sessionId)).toBeUndefined();
  });

  it('ignores the body of a DELETE', async () => {
    const { transport } = await connect();
    const sessionId = transport.sessionId!;
    const response = await fetch(server.url, {
      method: 'DELETE',
      headers: {
        ...jsonRpcHeaders(server.platform.keys.advertiser),
        'mcp-session-id': sessionId,
      },
      body: 'not json',
    });

    expect(response.status).toBe(200);
    expect(server.platform.app.mcp.sessions!.get(sessionId)).toBeUndefined();
  });

  it('closes idle sessions and answers 404 for them', async () => {
    const { transport } = await connect();
    const sessionId = transport.sessionId!;
    const sessions = server.platform.app.mcp.sessions!;
    const session = sessions.get(sessionId)!;
    let serverClosed = false;
    session.server.server.onclose = () => {
      serverClosed = true;
    };

    const idleSeconds = server.platform.platform.config.MCP_SESSION_IDLE_SECONDS;
    const closed = await sessions.closeIdle(Date.now() + idleSeconds * 1000 + 1);

    expect(closed).toContain(sessionId);
    expect(serverClosed).toBe(true);
    expect((await postToolsList(sessionId)).status).toBe(404);
  });

  it('keeps sessions that were used within the idle time', async () => {
    const { transport } = await connect();
    const sessions = server.platform.app.mcp.sessions!;

    const closed = await sessions.closeIdle(Date.now());

    expect(closed).not.toContain(transport.sessionId);
  });

  it('rejects an initialize past the per-organization limit with 503', async () => {
    await connect();
    await connect();

    const response = await fetch(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(server.platform.keys.advertiser),
      body: JSON.stringify(initializeRequest),
    });
    const body = (await response.json()) as JsonRpcErrorBody;

    expect(response.status).toBe(503);
    expect(body.error.data.code).toBe('MCP_SESSION_LIMIT');
    expect(body.error.message).toContain('MCP_MAX_SESSIONS_PER_ORGANIZATION');
    const other = await connect(server.platform.keys.retailer);
    expect(other.transport.sessionId).toEqual(expect.any(String));
  });

  it('rejects an initialize past MCP_MAX_SESSIONS with 503', async () => {
    const { keys } = server.platform;
    const opened = [await connect(), await connect(keys.retailer), await connect(keys.publisher)];

    const response = await fetch(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(server.platform.keys.advertiser),
      body: JSON.stringify(initializeRequest),
    });
    const body = (await response.json()) as JsonRpcErrorBody;

    expect(response.status).toBe(503);
    expect(body).toMatchObject({ jsonrpc: '2.0', error: { data: { code: 'MCP_SESSION_LIMIT' } } });
    expect(body.error.message).toContain('MCP_MAX_SESSIONS');

    await opened[0]!.transport.terminateSession();
    await connect();
  });

  it('answers PUT with 405 and the allowed methods', async () => {
    const response = await fetch(server.url, {
      method: 'PUT',
      headers: jsonRpcHeaders(server.platform.keys.advertiser),
      body: '{}',
    });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST, DELETE, OPTIONS');
    expect(await response.json()).toMatchObject({
      error: { data: { code: 'MCP_METHOD_NOT_ALLOWED' } },
    });
  });
});

/** Ends the session (DELETE) unless the test already did, then closes the client. */
async function closeSession({ client, transport }: ConnectedClient): Promise<void> {
  if (transport.sessionId !== undefined) await transport.terminateSession().catch(() => undefined);
  await client.close();
}

describe('MCP client across a server restart', () => {
  let server: McpTestServer;

  afterAll(async () => {
    await server?.close();
  });

  it('re-initializes after the sessions are gone', async () => {
    server = await startMcpTestServer();
    const key = server.platform.keys.advertiser;
    const first = await connectClient(server.url, key, {
      reconnectionOptions: {
        maxRetries: 0,
        initialReconnectionDelay: 1000,
        maxReconnectionDelay: 1000,
        reconnectionDelayGrowFactor: 1,
      },
    });
    first.client.onerror = () => undefined;
    await first.client.listTools();

    const { dataDir, schema } = server.platform;
    await server.stop();
    server = await startMcpTestServer({ reuse: { dataDir, schema }, port: server.port });

    const failure = await first.client.listTools().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StreamableHTTPError);
    expect((failure as StreamableHTTPError).code).toBe(404);
    expect((failure as StreamableHTTPError).message).toContain(
      'start a new session with an initialize request',
    );
    await first.client.close();

    const second = await connectClient(server.url, key);
    const result = await second.client.callTool({ name: 'list_clean_rooms', arguments: {} });
    expect(result.structuredContent).toMatchObject({
      items: expect.arrayContaining([expect.objectContaining(HOLIDAY_ROOM)]),
    });
    await second.client.close();
  });
});
