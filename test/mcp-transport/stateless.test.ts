import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  jsonRpcHeaders,
  readJsonRpcMessages,
  startMcpTestServer,
  type McpTestServer,
} from './support/mcp-test-server.ts';

interface ToolCallResponse {
  id: number;
  result: { structuredContent: { items: { name: string }[] } };
}

describe('MCP over Streamable HTTP, stateless mode', () => {
  let server: McpTestServer;

  beforeAll(async () => {
    server = await startMcpTestServer({ env: { MCP_STATELESS: 'true' } });
  });

  afterAll(async () => {
    await server?.close();
  });

  async function callListCleanRooms(key: string, id: number): Promise<Response> {
    return fetch(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(key, { 'mcp-protocol-version': '2025-11-25' }),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'list_clean_rooms', arguments: {} },
      }),
    });
  }

  it('serves the SDK client without a session id', async () => {
    const { client, transport } = await connectClient(server.url, server.platform.keys.advertiser);

    const { tools } = await client.listTools();

    expect(transport.sessionId).toBeUndefined();
    expect(tools.map((tool) => tool.name)).toContain('list_clean_rooms');
    expect(server.platform.app.mcp.sessions).toBeNull();
    await client.close();
  });

  it('neither advertises nor accepts resource subscriptions', async () => {
    const { client } = await connectClient(server.url, server.platform.keys.advertiser);
    const capabilities = client.getServerCapabilities();
    await client.close();

    const response = await fetch(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(server.platform.keys.advertiser, {
        'mcp-protocol-version': '2025-11-25',
      }),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'resources/subscribe',
        params: { uri: 'cleanroom://runs/00000000-0000-0000-0000-000000000000' },
      }),
    });
    const [message] = readJsonRpcMessages(
      response.headers.get('content-type'),
      await response.text(),
    ) as {
      error?: { code: number; message: string };
    }[];

    expect(capabilities?.resources?.subscribe).toBeFalsy();
    expect(message?.error?.code).toBe(-32601);
    expect(message?.error?.message).toContain('MCP_STATELESS=true');
  });

  it('answers concurrent requests of two organizations apart', async () => {
    const { keys } = server.platform;

    const [advertiser, retailer] = await Promise.all([
      callListCleanRooms(keys.advertiser, 1),
      callListCleanRooms(keys.retailer, 1),
    ]);

    expect(advertiser.status).toBe(200);
    expect(retailer.status).toBe(200);
    expect(advertiser.headers.get('mcp-session-id')).toBeNull();
    const [advertiserResponse] = readJsonRpcMessages(
      advertiser.headers.get('content-type'),
      await advertiser.text(),
    ) as ToolCallResponse[];
    const [retailerResponse] = readJsonRpcMessages(
      retailer.headers.get('content-type'),
      await retailer.text(),
    ) as ToolCallResponse[];
    const namesOf = (response: ToolCallResponse | undefined) =>
      response?.result.structuredContent.items.map((room) => room.name);
    expect(namesOf(advertiserResponse)).toContain('Northwind x Daily Ledger Holiday Campaign');
    expect(namesOf(retailerResponse)).toEqual(['Cornerstone Retail Media Insights']);
  });

  it('answers GET with 405 and Allow', async () => {
    const response = await fetch(server.url, {
      headers: {
        authorization: `Bearer ${server.platform.keys.advertiser}`,
        accept: 'text/event-stream',
      },
    });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, OPTIONS');
    expect(await response.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { data: { code: 'MCP_METHOD_NOT_ALLOWED' } },
    });
  });

  it('answers DELETE with 405 and Allow', async () => {
    const response = await fetch(server.url, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${server.platform.keys.advertiser}` },
    });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, OPTIONS');
  });
});
