import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  initializeRequest,
  jsonRpcHeaders,
  readJsonRpcMessages,
  sendRawRequest,
  startMcpTestServer,
  toolsListRequest,
  type JsonRpcErrorBody,
  type RawResponse,
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
    expect(readJsonRpcMessages(contentTypeOf(response), response.body)).toContainEqual(
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

/** Creates a debug-level logger that keeps each line, so a test can check what a request logged. */
function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

describe('MCP endpoint error bodies', () => {
  let server: McpTestServer;
  let key: string;
  let sessionId: string;
  const logged = captureLog();

  beforeAll(async () => {
    server = await startMcpTestServer({ log: logged.log });
    key = server.platform.keys.advertiser;
    const opened = await sendRawRequest(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(key),
      body: JSON.stringify(initializeRequest),
    });
    sessionId = String(opened.headers['mcp-session-id']);
    await sendRawRequest(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(key, { 'mcp-session-id': sessionId }),
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  async function post(body: string, headers: Record<string, string> = {}) {
    const response = await sendRawRequest(server.url, {
      method: 'POST',
      headers: { ...jsonRpcHeaders(key, { 'mcp-session-id': sessionId }), ...headers },
      body,
    });
    return { status: response.status, body: JSON.parse(response.body) as JsonRpcErrorBody };
  }

  async function get(headers: Record<string, string>) {
    const response = await fetch(server.url, {
      method: 'GET',
      headers: {
        authorization: `Bearer ${key}`,
        accept: 'text/event-stream',
        'mcp-session-id': sessionId,
        ...headers,
      },
      signal: AbortSignal.timeout(5_000),
    });
    return { status: response.status, body: (await response.json()) as JsonRpcErrorBody };
  }

  it('rejects an empty batch as an invalid request', async () => {
    const { status, body } = await post('[]');

    expect(status).toBe(400);
    expect(body.error.code).toBe(-32600);
    expect(body.error.data.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toContain('empty batch');
  });

  it('still serves a batch of one request', async () => {
    const response = await sendRawRequest(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(key, { 'mcp-session-id': sessionId }),
      body: JSON.stringify([toolsListRequest]),
    });

    expect(response.status).toBe(200);
    expect(readJsonRpcMessages(contentTypeOf(response), response.body)).toContainEqual(
      expect.objectContaining({ id: toolsListRequest.id, result: expect.anything() }),
    );
  });

  it('names the invalid field of a JSON-RPC envelope', async () => {
    const wrongVersion = await post(JSON.stringify({ ...toolsListRequest, jsonrpc: '1.0' }));
    const extraField = await post(JSON.stringify({ ...toolsListRequest, extra: 1 }));
    const notAMessage = await post(JSON.stringify({ hello: 'world' }));

    for (const { status, body } of [wrongVersion, extraField, notAMessage]) {
      expect(status).toBe(400);
      expect(body.error.code).toBe(-32600);
      expect(body.error.data.code).toBe('VALIDATION_FAILED');
    }
    expect(wrongVersion.body.error.message).toContain('"jsonrpc" must be "2.0", received "1.0"');
    expect(extraField.body.error.message).toContain('"extra" is not a field');
    expect(notAMessage.body.error.message).toContain('"jsonrpc" must be "2.0"');
  });

  it('names the Content-Type of a 415', async () => {
    const text = await post('{}', { 'content-type': 'text/plain' });
    const xml = await post('{}', { 'content-type': 'application/xml' });

    for (const { status, body } of [text, xml]) {
      expect(status).toBe(415);
      expect(body.error.data.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(body.error.message).toContain('Content-Type: application/json');
    }
    expect(text.body.error.message).toContain('"text/plain"');
    expect(xml.body.error.message).toContain('"application/xml"');
  });

  it('names the Accept header of a 406', async () => {
    const onPost = await post(JSON.stringify(toolsListRequest), { accept: 'application/json' });
    const onGet = await get({ accept: 'application/json' });

    for (const { status, body } of [onPost, onGet]) {
      expect(status).toBe(406);
      expect(body.error.data.code).toBe('NOT_ACCEPTABLE');
      expect(body.error.message).toContain('"application/json"');
      expect(body.error.message).toContain('lacks text/event-stream');
    }
    expect(onPost.body.error.message).toContain('Accept: application/json, text/event-stream');
  });

  it('adds a code to the errors of the SDK transport', async () => {
    const { status, body } = await post(JSON.stringify(toolsListRequest), {
      'mcp-protocol-version': '1999-01-01',
    });

    expect(status).toBe(400);
    expect(body.error.message).toContain('1999-01-01');
    expect(body.error.data.code).toBe('VALIDATION_FAILED');
  });

  it('rejects a malformed Last-Event-ID with one info line', async () => {
    logged.lines.length = 0;
    const { status, body } = await get({ 'last-event-id': 'not-an-event-id' });

    expect(status).toBe(400);
    expect(body.error.data.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toContain('Last-Event-ID "not-an-event-id"');
    expect(body.error.message).toContain('<stream id>:<number>');
    expect(logged.lines.filter((line) => (line.level as number) >= 40)).toEqual([]);
    expect(JSON.stringify(logged.lines)).not.toContain('stack');
    expect(logged.lines).toContainEqual(
      expect.objectContaining({ msg: 'MCP request rejected', code: 'VALIDATION_FAILED' }),
    );
  });
});

function contentTypeOf(response: RawResponse): string | undefined {
  const value = response.headers['content-type'];
  return Array.isArray(value) ? value[0] : value;
}
