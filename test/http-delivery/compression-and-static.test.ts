import { createHash, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { rawRequest } from './raw-http.ts';
import { ASSET_PATH, createWebDist, type WebDistFixture } from './web-dist-fixture.ts';

let test: TestPlatform;
let dist: WebDistFixture;
let baseUrl: string;

beforeAll(async () => {
  dist = await createWebDist();
  test = await startTestPlatform({
    backend: 'postgres',
    startWorker: false,
    env: { WEB_DIST_DIR: dist.directory },
  });
  baseUrl = await test.app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await test?.close();
  await dist?.remove();
});

const SHELL_STYLE = 'h1{color:teal}';
const CHAT_SHELL_HTML = `<!doctype html>
<html lang="en"><head><title>Chat</title><style>${SHELL_STYLE}</style></head>
<body><div id="root"><h1>Assistant</h1></div></body></html>
`;

function get(path: string, headers: Record<string, string> = {}) {
  return rawRequest(`${baseUrl}${path}`, { headers });
}

describe('compression of API responses', () => {
  it('sends brotli when accepted, decodable once to JSON', async () => {
    const response = await get('/api/v1/openapi.json', { 'accept-encoding': 'br, gzip' });

    expect(response.headers['content-encoding']).toBe('br');
    expect(String(response.headers.vary).toLowerCase()).toContain('accept-encoding');
    const document = JSON.parse(brotliDecompressSync(response.body).toString()) as {
      openapi: string;
    };
    expect(document.openapi).toMatch(/^3\./);
  });

  it('sends gzip to a client that accepts only gzip', async () => {
    const response = await get('/api/v1/openapi.json', { 'accept-encoding': 'gzip' });

    expect(response.headers['content-encoding']).toBe('gzip');
    expect(() => JSON.parse(gunzipSync(response.body).toString())).not.toThrow();
  });

  it('sends identity without Accept-Encoding', async () => {
    const response = await get('/api/v1/openapi.json');

    expect(response.headers['content-encoding']).toBeUndefined();
    expect(() => JSON.parse(response.body.toString())).not.toThrow();
  });

  it('compresses authenticated lists once', async () => {
    const response = await get('/api/v1/questions', {
      ...bearer(test.keys.advertiser),
      'accept-encoding': 'br',
    });

    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBe('br');
    const page = JSON.parse(brotliDecompressSync(response.body).toString()) as { items: unknown[] };
    expect(page.items.length).toBeGreaterThan(0);
  });

  it('leaves small bodies uncompressed', async () => {
    const response = await get('/health/live', { 'accept-encoding': 'br, gzip' });

    expect(response.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(response.body.toString())).toEqual({ status: 'ok' });
  });
});

describe('static web app', () => {
  it('sends the precompressed brotli sibling of a hashed asset', async () => {
    const response = await get(ASSET_PATH, { 'accept-encoding': 'br, gzip' });

    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBe('br');
    expect(response.headers['content-type']).toMatch(/javascript/);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(String(response.headers.vary).toLowerCase()).toContain('accept-encoding');
    expect(brotliDecompressSync(response.body).toString()).toBe(dist.assetSource);
  });

  it('sends the gzip sibling to a gzip-only client', async () => {
    const response = await get(ASSET_PATH, { 'accept-encoding': 'gzip' });

    expect(response.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(response.body).toString()).toBe(dist.assetSource);
  });

  it('sends the plain file without Accept-Encoding', async () => {
    const response = await get(ASSET_PATH);

    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.body.toString()).toBe(dist.assetSource);
  });

  it('answers a matching strong or weak tag with 304', async () => {
    const first = await get(ASSET_PATH, { 'accept-encoding': 'br' });
    const etag = String(first.headers.etag);
    const strong = etag.replace(/^W\//, '');

    const weakMatch = await get(ASSET_PATH, { 'accept-encoding': 'br', 'if-none-match': etag });
    const strongMatch = await get(ASSET_PATH, {
      'accept-encoding': 'br',
      'if-none-match': strong,
    });

    expect(weakMatch.status).toBe(304);
    expect(weakMatch.body.length).toBe(0);
    expect(strongMatch.status).toBe(304);
  });

  it('serves index.html at the root with no-cache', async () => {
    const response = await get('/', { accept: 'text/html' });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body.toString()).toContain('data-build="first"');
  });

  it('serves index.html for client-side routes', async () => {
    const response = await get('/cleanrooms/some-room/runs', { accept: 'text/html' });

    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body.toString()).toContain('<div id="root">');
  });

  it('serves sw.js and the manifest with no-cache', async () => {
    const worker = await get('/sw.js');
    const manifest = await get('/manifest.webmanifest');

    expect(worker.status).toBe(200);
    expect(worker.headers['cache-control']).toBe('no-cache');
    expect(manifest.status).toBe(200);
    expect(manifest.headers['cache-control']).toBe('no-cache');
  });

  it('answers a missing asset with 404, not index.html', async () => {
    const response = await get('/assets/missing-0000.js');

    expect(response.status).toBe(404);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('keeps the JSON 404 for unknown API paths', async () => {
    const response = await get('/api/v1/no-such-route', { accept: 'text/html' });

    expect(response.status).toBe(404);
    expect(JSON.parse(response.body.toString())).toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
  });

  it('serves nothing outside the directory', async () => {
    const response = await get('/..%2f..%2fetc%2fpasswd');

    expect(response.status).toBe(404);
    expect(response.body.toString()).not.toContain('root:');
  });

  it('sends chat.html with a session cookie', async () => {
    await writeFile(join(dist.directory, 'chat.html'), CHAT_SHELL_HTML);

    const signedIn = await get('/', { accept: 'text/html', cookie: 'cr_session=anything' });
    const signedOut = await get('/', { accept: 'text/html' });
    const otherRoute = await get('/runs', { accept: 'text/html', cookie: 'cr_session=anything' });

    expect(signedIn.body.toString()).toContain('<h1>Assistant</h1>');
    expect(signedIn.headers['cache-control']).toBe('no-cache');
    expect(String(signedIn.headers.vary).toLowerCase()).toContain('cookie');
    expect(signedOut.body.toString()).toContain('data-build="first"');
    expect(String(signedOut.headers.vary).toLowerCase()).toContain('cookie');
    expect(otherRoute.body.toString()).toContain('data-build="first"');
  });

  it('allows HTML style elements by hash', async () => {
    await writeFile(join(dist.directory, 'chat.html'), CHAT_SHELL_HTML);
    const hash = createHash('sha256').update(SHELL_STYLE).digest('base64');

    const shell = await get('/', { accept: 'text/html', cookie: 'cr_session=anything' });
    const direct = await get('/chat.html');
    const index = await get('/', { accept: 'text/html' });
    const api = await get('/health/live');

    const styleSource = (response: { headers: Record<string, unknown> }) =>
      /style-src ([^;]*)/.exec(String(response.headers['content-security-policy']))?.[1];
    expect(styleSource(shell)).toBe(`'self' 'sha256-${hash}'`);
    expect(styleSource(direct)).toBe(`'self' 'sha256-${hash}'`);
    expect(styleSource(index)).toBe("'self'");
    expect(styleSource(api)).toBe("'self'");
    expect(String(shell.headers['content-security-policy'])).not.toContain('unsafe-inline');
  });

  it('serves a new index.html right after a deploy', async () => {
    await dist.deployIndex('second');

    const response = await get('/', { accept: 'text/html' });

    expect(response.body.toString()).toContain('data-build="second"');
  });
});

describe('MCP stream through the compression layer', () => {
  it('streams SSE uncompressed to a client that accepts brotli', async () => {
    const headers = {
      ...bearer(test.keys.advertiser),
      accept: 'application/json, text/event-stream',
      'accept-encoding': 'br, gzip',
      'content-type': 'application/json',
    };
    const opened = await fetch(`${baseUrl}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'delivery-test', version: '1.0.0' },
        },
      }),
    });
    await opened.text();
    const session = {
      ...headers,
      'mcp-session-id': opened.headers.get('mcp-session-id') ?? '',
      'mcp-protocol-version': '2025-06-18',
    };
    await fetch(`${baseUrl}/mcp`, {
      method: 'POST',
      headers: session,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });

    // A progress token requests an SSE stream. A call without one gets one JSON response.
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'list_clean_rooms', arguments: {}, _meta: { progressToken: 'p-2' } },
    });
    const stream = await readWholeResponse(`${baseUrl}/mcp`, call, session);

    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['content-encoding']).toBeUndefined();
    expect(stream.body).toContain('"structuredContent"');
  });

  it('serves a tool call to the official client', async () => {
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), {
      requestInit: { headers: { ...bearer(test.keys.advertiser), 'accept-encoding': 'br, gzip' } },
    });
    const client = new Client({ name: 'delivery-test', version: '1.0.0' });
    await client.connect(transport);

    try {
      const { tools } = await client.listTools();
      expect(tools.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});

describe('GET /metrics', () => {
  it('labels requests by route pattern, never by raw URL', async () => {
    const unknownId = randomUUID();
    await get(`/api/v1/cleanrooms/${unknownId}`, bearer(test.keys.advertiser));
    await get('/api/v1/cleanrooms', bearer(test.keys.advertiser));

    const response = await get('/metrics');
    const text = response.body.toString();

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(text).toContain(
      'cleanroom_http_request_duration_seconds_count{method="GET",route="/api/v1/cleanrooms",status_code="200"}',
    );
    expect(text).toContain('route="/api/v1/cleanrooms/:cleanRoomId",status_code="404"');
    expect(text).toContain('cleanroom_http_request_duration_seconds_bucket');
    expect(text).not.toContain(unknownId);
  });

  it('includes the database pool metrics', async () => {
    const text = (await get('/metrics')).body.toString();

    expect(text).toContain('cleanroom_db_pool_connections{state="in_use"}');
    expect(text).toContain('cleanroom_db_pool_waiting_queries');
    expect(text).toContain('cleanroom_db_pool_wait_seconds_bucket');
  });
});

/** POSTs `body` and resolves with the response headers and the first SSE event, then closes the stream. */
/** POSTs `body` with node:http, which leaves the response undecoded, and reads it to the end. */
function readWholeResponse(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', headers }, (response) => {
      let received = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (received += chunk));
      response.on('end', () => resolve({ headers: response.headers, body: received }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
