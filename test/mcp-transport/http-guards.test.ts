import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  initializeRequest,
  jsonRpcHeaders,
  readSseMessages,
  sendRawRequest,
  startMcpTestServer,
  type McpTestServer,
} from './support/mcp-test-server.ts';

const BODY_LIMIT_BYTES = 4096;

describe('MCP endpoint request guards (default allow-lists)', () => {
  let server: McpTestServer;
  let key: string;

  beforeAll(async () => {
    server = await startMcpTestServer({ env: { MCP_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) } });
    key = server.platform.keys.advertiser;
  });

  afterAll(async () => {
    await server?.close();
  });

  function postInitialize(
    headers: Record<string, string>,
    body = JSON.stringify(initializeRequest),
  ) {
    return sendRawRequest(server.url, {
      method: 'POST',
      headers: { ...jsonRpcHeaders(key), ...headers },
      body,
    });
  }

  it('rejects an Origin outside the allow-list with 403', async () => {
    const response = await postInitialize({ origin: 'http://rebinding.example' });

    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, data: { code: 'MCP_ORIGIN_NOT_ALLOWED' } },
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rejects a Host outside the allow-list with 403', async () => {
    const response = await postInitialize({ host: `rebinding.example:${server.port}` });

    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({
      error: { data: { code: 'MCP_HOST_NOT_ALLOWED' } },
    });
  });

  it('rejects a loopback Host naming another port', async () => {
    const response = await postInitialize({ host: `localhost:${server.port + 1}` });

    expect(response.status).toBe(403);
  });

  it('serves a loopback Origin and exposes Mcp-Session-Id to it', async () => {
    const origin = `http://localhost:${server.port}`;
    const response = await postInitialize({ origin, host: `localhost:${server.port}` });

    expect(response.status).toBe(200);
    expect(response.headers['mcp-session-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers['access-control-allow-origin']).toBe(origin);
    expect(response.headers['access-control-expose-headers']).toContain('Mcp-Session-Id');
    expect(readSseMessages(response.body)).toContainEqual(
      expect.objectContaining({
        id: 1,
        result: expect.objectContaining({ protocolVersion: '2025-11-25' }),
      }),
    );
  });

  it('answers a CORS preflight without credentials', async () => {
    const origin = `http://127.0.0.1:${server.port}`;
    const response = await sendRawRequest(server.url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, mcp-session-id',
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(origin);
    expect(response.headers['access-control-allow-methods']).toBe('GET, POST, DELETE, OPTIONS');
    const allowedHeaders = String(response.headers['access-control-allow-headers']);
    for (const header of [
      'Authorization',
      'Mcp-Session-Id',
      'Mcp-Protocol-Version',
      'Last-Event-ID',
    ]) {
      expect(allowedHeaders).toContain(header);
    }
    expect(response.headers['access-control-expose-headers']).toContain('Mcp-Session-Id');
  });

  it('answers a preflight from a foreign Origin with 403', async () => {
    const response = await sendRawRequest(server.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://rebinding.example', 'access-control-request-method': 'POST' },
    });

    expect(response.status).toBe(403);
  });

  it('rejects a body over MCP_BODY_LIMIT_BYTES with 413', async () => {
    const oversized = JSON.stringify({
      ...initializeRequest,
      params: { ...initializeRequest.params, padding: 'x'.repeat(BODY_LIMIT_BYTES) },
    });

    const response = await postInitialize({}, oversized);

    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, data: { code: 'REQUEST_TOO_LARGE' } },
    });
  });

  it('answers malformed JSON with a JSON-RPC parse error', async () => {
    const response = await postInitialize({}, '{"jsonrpc": "2.0", ');

    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: -32700 } });
  });
});

describe('MCP endpoint request guards (configured allow-lists)', () => {
  let server: McpTestServer;

  beforeAll(async () => {
    server = await startMcpTestServer({
      env: {
        MCP_ALLOWED_HOSTS: 'mcp.example.com',
        MCP_ALLOWED_ORIGINS: 'https://app.example.com',
      },
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  function postInitialize(headers: Record<string, string>) {
    return sendRawRequest(server.url, {
      method: 'POST',
      headers: { ...jsonRpcHeaders(server.platform.keys.advertiser), ...headers },
      body: JSON.stringify(initializeRequest),
    });
  }

  it('serves the configured Host and Origin', async () => {
    const response = await postInitialize({
      host: 'mcp.example.com',
      origin: 'https://app.example.com',
    });

    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('rejects loopback once hosts are configured', async () => {
    const response = await postInitialize({ host: `127.0.0.1:${server.port}` });

    expect(response.status).toBe(403);
  });

  it('rejects an Origin outside the configured list', async () => {
    const response = await postInitialize({
      host: 'mcp.example.com',
      origin: `http://localhost:${server.port}`,
    });

    expect(response.status).toBe(403);
  });
});

describe('MCP endpoint request guards (any Host allowed)', () => {
  let server: McpTestServer;

  beforeAll(async () => {
    server = await startMcpTestServer({ env: { MCP_ALLOWED_HOSTS: '*' } });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('rejects a Host that forms no URL with 400', async () => {
    const response = await sendRawRequest(server.url, {
      method: 'POST',
      headers: { ...jsonRpcHeaders(server.platform.keys.advertiser), host: 'not a host' },
      body: JSON.stringify(initializeRequest),
    });

    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { data: { code: 'VALIDATION_FAILED' } },
    });
    expect(JSON.parse(response.body).error.message).toContain('"not a host"');
  });
});
