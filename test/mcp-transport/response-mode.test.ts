import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  jsonRpcHeaders,
  openRawSession,
  readSseMessages,
  sendRawRequest,
  startMcpTestServer,
  type McpTestServer,
  type RawResponse,
} from './support/mcp-test-server.ts';

let server: McpTestServer;

beforeAll(async () => {
  server = await startMcpTestServer();
}, 120_000);

afterAll(async () => {
  await server?.close();
});

/** Sends one JSON-RPC message on the session and returns the raw response. */
function post(key: string, sessionId: string, message: unknown): Promise<RawResponse> {
  return sendRawRequest(server.url, {
    method: 'POST',
    headers: jsonRpcHeaders(key, {
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
    }),
    body: JSON.stringify(message),
  });
}

function listCleanRooms(id: number, meta?: Record<string, unknown>) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'list_clean_rooms', arguments: {}, ...(meta ? { _meta: meta } : {}) },
  };
}

describe('MCP response mode per POST', () => {
  it('answers a plain call with JSON', async () => {
    const key = server.platform.keys.advertiser;
    const sessionId = await openRawSession(server.url, key);

    const response = await post(key, sessionId, listCleanRooms(3));
    const body = JSON.parse(response.body) as { id: number; result: { isError?: boolean } };

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['mcp-session-id']).toBe(sessionId);
    expect(body.id).toBe(3);
    expect(body.result.isError).toBeFalsy();
  });

  it('streams a call with a progress token', async () => {
    const key = server.platform.keys.advertiser;
    const sessionId = await openRawSession(server.url, key);

    const response = await post(key, sessionId, listCleanRooms(4, { progressToken: 'p-4' }));

    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(response.body).toMatch(/^id: /m);
    expect(readSseMessages(response.body)).toEqual([
      expect.objectContaining({ id: 4, result: expect.anything() }),
    ]);
  });

  it('streams a start_run that waits', async () => {
    const key = server.platform.keys.advertiser;
    const sessionId = await openRawSession(server.url, key);

    // No worker runs here, so the run stays QUEUED and the call returns after its wait.
    const response = await post(key, sessionId, {
      jsonrpc: '2.0',
      id: 5,
      method: 'tools/call',
      params: {
        name: 'start_run',
        arguments: {
          cleanRoomId: 'CR-000001',
          questionId: 'audience_overlap',
          parameters: { attribute: 'region' },
          idempotencyKey: 'response-mode-wait',
          waitSeconds: '1',
        },
      },
    });

    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(readSseMessages(response.body)).toEqual([
      expect.objectContaining({ id: 5, result: expect.anything() }),
    ]);
  });

  it('serves the SDK client in both modes', async () => {
    const connected = await connectClient(server.url, server.platform.keys.advertiser);

    try {
      const plain = await connected.client.callTool({ name: 'list_clean_rooms', arguments: {} });
      // An onprogress callback makes the SDK send a progress token, which requests a stream.
      const streamed = await connected.client.callTool(
        { name: 'list_clean_rooms', arguments: {} },
        undefined,
        { onprogress: () => undefined },
      );

      expect(plain.isError).toBeFalsy();
      expect(streamed.structuredContent).toEqual(plain.structuredContent);
    } finally {
      await connected.client.close();
    }
  });
});
