import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  type StreamableHTTPClientTransportOptions,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  startTestPlatform,
  type TestPlatform,
  type TestPlatformOptions,
} from '../../support/test-platform.ts';

export interface McpTestServer {
  platform: TestPlatform;
  /** http://127.0.0.1:PORT/mcp */
  url: URL;
  port: number;
  /** Stops listening and closes the platform, keeping its schema for a restart. */
  stop(): Promise<void>;
  /** Stops and drops the schema and data directory. */
  close(): Promise<void>;
}

export interface McpTestServerOptions {
  env?: Record<string, string>;
  /** Serves an existing schema and data directory, as a restarted or second web process would. */
  reuse?: TestPlatformOptions['reuse'];
  seed?: TestPlatformOptions['seed'];
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Logger of the platform and its HTTP server; silent by default. */
  log?: TestPlatformOptions['log'];
}

/** Starts a seeded platform on PostgreSQL (its own schema) and listens on 127.0.0.1. */
export async function startMcpTestServer(
  options: McpTestServerOptions = {},
): Promise<McpTestServer> {
  const platform = await startTestPlatform({
    backend: 'postgres',
    startWorker: false,
    seed: options.reuse ? 'none' : (options.seed ?? 'small'),
    ...(options.env ? { env: options.env } : {}),
    ...(options.reuse ? { reuse: options.reuse } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const address = await platform.app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const url = new URL(`${address}/mcp`);
  // Node's server.close() waits for a connection that the client opened but
  // never used (undici opens one beside SSE streams) until the client's 4 s
  // keep-alive timeout. Once the MCP sessions are closed, no request is in
  // flight, so the test closes every connection at once.
  const dropConnections = async () => {
    await platform.app.mcp.close();
    platform.app.server.closeAllConnections();
  };
  return {
    platform,
    url,
    port: Number(url.port),
    stop: async () => {
      await dropConnections();
      await platform.stop();
    },
    close: async () => {
      await dropConnections();
      await platform.close();
    },
  };
}

export interface ConnectedClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

/** Connects the official SDK client to `url` with the key as a bearer token. */
export async function connectClient(
  url: URL,
  key: string,
  options: StreamableHTTPClientTransportOptions = {},
): Promise<ConnectedClient> {
  const transport = new StreamableHTTPClientTransport(url, {
    ...options,
    requestInit: {
      ...options.requestInit,
      headers: { authorization: `Bearer ${key}`, ...options.requestInit?.headers },
    },
  });
  const client = new Client({ name: 'cleanroom-transport-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

/** Headers of a JSON-RPC POST as the SDK client sends them. */
export function jsonRpcHeaders(
  key: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    authorization: `Bearer ${key}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...extra,
  };
}

/** The body of an HTTP error on /mcp: a JSON-RPC error response without an id. */
export interface JsonRpcErrorBody {
  jsonrpc: '2.0';
  id: null;
  error: { code: number; message: string; data: { code: string } };
}

export const initializeRequest = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'raw-http-test', version: '1.0.0' },
  },
} as const;

export const toolsListRequest = {
  jsonrpc: '2.0',
  id: 2,
  method: 'tools/list',
  params: {},
} as const;

/** Reads the JSON-RPC messages of an SSE body (the `data:` lines). */
export function readSseMessages(body: string): unknown[] {
  return body
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
    .map((line) => JSON.parse(line.slice('data: '.length)) as unknown);
}

/**
 * Reads the JSON-RPC messages of a POST's response in either form the server
 * chooses: one JSON body (`application/json`) or an SSE stream.
 */
export function readJsonRpcMessages(
  contentType: string | null | undefined,
  body: string,
): unknown[] {
  if (!contentType?.startsWith('application/json')) return readSseMessages(body);
  const parsed = JSON.parse(body) as unknown;
  return Array.isArray(parsed) ? parsed : [parsed];
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends one HTTP request with node:http, which, unlike fetch, lets a test set
 * any Host and Origin header.
 */
export function sendRawRequest(
  url: URL,
  options: { method: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: options.method, headers: options.headers, agent: false },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** Opens a session with raw HTTP (initialize, then notifications/initialized) and returns its id. */
export async function openRawSession(url: URL, key: string): Promise<string> {
  const opened = await sendRawRequest(url, {
    method: 'POST',
    headers: jsonRpcHeaders(key),
    body: JSON.stringify(initializeRequest),
  });
  const sessionId = String(opened.headers['mcp-session-id']);
  await sendRawRequest(url, {
    method: 'POST',
    headers: jsonRpcHeaders(key, { 'mcp-session-id': sessionId }),
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return sessionId;
}
