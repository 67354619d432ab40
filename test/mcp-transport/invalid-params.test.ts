import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import {
  initializeRequest,
  jsonRpcHeaders,
  readJsonRpcMessages,
  sendRawRequest,
  startMcpTestServer,
  type JsonRpcErrorBody,
  type McpTestServer,
} from './support/mcp-test-server.ts';

const cli = path.resolve('bin/cleanroom.js');

interface ErrorResponse {
  id: unknown;
  error?: { code: number; message: string; data?: { code?: string; field?: string } };
}

/** Requests whose params fail the SDK's schema, with the field each names and the text expected after it. */
const invalidRequests = [
  {
    name: 'tools/call with arguments as a string',
    params: { name: 'list_clean_rooms', arguments: 'limit=1' },
    field: 'params.arguments',
    problem: 'must be an object, received "limit=1"',
  },
  {
    name: 'tools/call with arguments as an array',
    params: { name: 'list_clean_rooms', arguments: [1, 2] },
    field: 'params.arguments',
    problem: 'must be an object, received [1,2]',
  },
  {
    name: 'tools/call without name',
    params: { arguments: {} },
    field: 'params.name',
    problem: 'is missing; send a string',
  },
  {
    name: 'tools/call with name null',
    params: { name: null },
    field: 'params.name',
    problem: 'must be a string, received null',
  },
  {
    name: 'resources/read without uri',
    method: 'resources/read',
    params: {},
    field: 'params.uri',
    problem: 'is missing; send a string',
  },
].map((request, index) => ({
  ...request,
  message: {
    jsonrpc: '2.0',
    id: 100 + index,
    method: request.method ?? 'tools/call',
    params: request.params,
  },
}));

/** Copies the params of the test's initialize request without `protocolVersion`. */
function withoutProtocolVersion(): Record<string, unknown> {
  const params: Record<string, unknown> = { ...initializeRequest.params };
  delete params.protocolVersion;
  return params;
}

function expectInvalidParams(response: ErrorResponse, request: (typeof invalidRequests)[number]) {
  expect(response.error?.code).toBe(-32602);
  expect(response.error?.data?.code).toBe('VALIDATION_FAILED');
  expect(response.error?.data?.field).toBe(request.field);
  expect(response.error?.message).toContain(`"${request.field}" ${request.problem}`);
  expect(response.error?.message).not.toContain('"code":');
}

describe('MCP requests with invalid params over HTTP', () => {
  let server: McpTestServer;
  let key: string;
  let sessionId: string;

  beforeAll(async () => {
    server = await startMcpTestServer();
    key = server.platform.keys.advertiser;
    const response = await sendRawRequest(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(key),
      body: JSON.stringify(initializeRequest),
    });
    sessionId = response.headers['mcp-session-id'] as string;
  });

  afterAll(async () => {
    await server?.close();
  });

  for (const request of invalidRequests) {
    it(`answers ${request.name} with -32602`, async () => {
      const response = await sendRawRequest(server.url, {
        method: 'POST',
        headers: jsonRpcHeaders(key, {
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-11-25',
        }),
        body: JSON.stringify(request.message),
      });
      const contentType = response.headers['content-type'] as string;
      const [message] = readJsonRpcMessages(contentType, response.body) as ErrorResponse[];

      expect(message?.id).toBe(request.message.id);
      expectInvalidParams(message!, request);
    });
  }

  it('answers initialize without protocolVersion with -32602', async () => {
    const params = withoutProtocolVersion();
    const response = await sendRawRequest(server.url, {
      method: 'POST',
      headers: jsonRpcHeaders(key),
      body: JSON.stringify({ ...initializeRequest, params }),
    });
    const body = JSON.parse(response.body) as JsonRpcErrorBody;

    expect(response.status).toBe(400);
    expect(body.error.code).toBe(-32602);
    expect(body.error.data.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toContain('"params.protocolVersion" is missing; send a string');
    expect(body.error.message).not.toContain('Mcp-Session-Id');
  });
});

describe('MCP requests with invalid params over stdio', () => {
  let server: McpTestServer;

  beforeAll(async () => {
    server = await startMcpTestServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers each with -32602 naming the field', async () => {
    const child = spawn(process.execPath, [cli, 'mcp', '--no-worker'], {
      env: {
        ...(process.env as Record<string, string>),
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: server.platform.schema,
        DATA_DIR: server.platform.dataDir,
        CLEANROOM_API_KEY: server.platform.keys.advertiser,
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const responses = new Map<unknown, ErrorResponse>();
    const lines = createInterface({ input: child.stdout });
    const allAnswered = new Promise<void>((resolve) => {
      lines.on('line', (line) => {
        const message = JSON.parse(line) as ErrorResponse;
        responses.set(message.id, message);
        if (responses.size === invalidRequests.length + 2) resolve();
      });
    });

    const params = withoutProtocolVersion();
    const messages = [
      { ...initializeRequest, id: 'no-version', params },
      initializeRequest,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      ...invalidRequests.map((request) => request.message),
    ];
    child.stdin.write(messages.map((message) => `${JSON.stringify(message)}\n`).join(''));
    await allAnswered;
    child.stdin.end();

    const noVersion = responses.get('no-version')!;
    expect(noVersion.error?.code).toBe(-32602);
    expect(noVersion.error?.message).toContain('"params.protocolVersion" is missing');
    for (const request of invalidRequests) {
      expectInvalidParams(responses.get(request.message.id)!, request);
    }
  });
});
