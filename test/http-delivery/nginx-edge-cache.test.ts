import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { rawRequest } from './raw-http.ts';
import { ASSET_PATH, createWebDist, type WebDistFixture } from './web-dist-fixture.ts';

const NGINX = '/usr/sbin/nginx';
const nginxMissing = !existsSync(NGINX);
if (nginxMissing) {
  process.stderr.write(
    `Skipping the nginx edge cache test: ${NGINX} is missing (apt-get install nginx-light).\n`,
  );
}

const DEPLOYMENT_DOC = path.resolve(import.meta.dirname, '../../docs/deployment.md');

/**
 * nginx as a caching reverse proxy in front of the app, with the site of
 * docs/deployment.md, so the documented example is the one tested. Only the
 * listen address, the upstream port and the cache directory change. It runs
 * in the foreground without a master process, so it keeps the test's user
 * and stops with it.
 */
async function nginxConfig(directory: string, port: number, upstreamPort: number): Promise<string> {
  const site = replaceOnce(
    replaceOnce(
      replaceOnce(
        await documentedSite(),
        'proxy_cache_path /var/cache/nginx/cleanroom',
        `proxy_cache_path ${directory}/cache`,
      ),
      'server 127.0.0.1:3000;',
      `server 127.0.0.1:${upstreamPort};`,
    ),
    'listen 443 ssl;',
    `listen 127.0.0.1:${port};`,
  );
  return `daemon off;
master_process off;
pid ${directory}/nginx.pid;
error_log ${directory}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${directory}/client-body;
  proxy_temp_path ${directory}/proxy-temp;
  fastcgi_temp_path ${directory}/fastcgi-temp;
  uwsgi_temp_path ${directory}/uwsgi-temp;
  scgi_temp_path ${directory}/scgi-temp;
${site}
}
`;
}

/** Returns the nginx code block of docs/deployment.md. */
async function documentedSite(): Promise<string> {
  const doc = await readFile(DEPLOYMENT_DOC, 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (block === undefined) throw new Error(`no nginx code block in ${DEPLOYMENT_DOC}`);
  return block;
}

/** Replaces `search` once, and fails when the documented site no longer contains it. */
function replaceOnce(text: string, search: string, replacement: string): string {
  if (!text.includes(search)) throw new Error(`documented nginx site lacks "${search}"`);
  return text.replace(search, replacement);
}

let test: TestPlatform;
let dist: WebDistFixture;
let nginx: ChildProcess;
let nginxDirectory: string;
let edgeUrl: string;

beforeAll(async () => {
  if (nginxMissing) return;
  dist = await createWebDist();
  test = await startTestPlatform({
    backend: 'postgres',
    startWorker: false,
    env: { WEB_DIST_DIR: dist.directory },
  });
  const upstream = new URL(await test.app.listen({ host: '127.0.0.1', port: 0 }));

  nginxDirectory = await mkdtemp(path.join(os.tmpdir(), 'cleanroom-nginx-'));
  const port = await findFreePort();
  const configFile = path.join(nginxDirectory, 'nginx.conf');
  await writeFile(configFile, await nginxConfig(nginxDirectory, port, Number(upstream.port)));
  nginx = spawn(
    NGINX,
    ['-c', configFile, '-p', nginxDirectory, '-e', `${nginxDirectory}/error.log`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  await waitForPort(port, nginx, nginxDirectory);
  edgeUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx.once('exit', resolve));
    nginx.kill('SIGQUIT');
    await exited;
  }
  await test?.close();
  await dist?.remove();
  if (nginxDirectory) await rm(nginxDirectory, { recursive: true, force: true });
});

function viaEdge(
  urlPath: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  return rawRequest(`${edgeUrl}${urlPath}`, options);
}

describe.skipIf(nginxMissing)('behind nginx as a caching proxy', () => {
  it('caches hashed assets at the edge', async () => {
    const first = await viaEdge(ASSET_PATH, { headers: { 'accept-encoding': 'br' } });
    const second = await viaEdge(ASSET_PATH, { headers: { 'accept-encoding': 'br' } });

    expect(first.status).toBe(200);
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(second.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(second.body).toString()).toBe(dist.assetSource);
  });

  it('keeps encodings apart through Vary', async () => {
    await viaEdge(ASSET_PATH, { headers: { 'accept-encoding': 'br' } });

    const plain = await viaEdge(ASSET_PATH);

    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(dist.assetSource);
  });

  it('never serves user data from the edge', async () => {
    const headers = bearer(test.keys.advertiser);
    const statuses: (string | undefined)[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await viaEdge('/api/v1/cleanrooms', { headers });
      expect(response.status).toBe(200);
      statuses.push(response.headers['x-cache-status'] as string | undefined);
    }

    expect(statuses).not.toContain('HIT');
  });

  it('passes a conditional API GET on to the server', async () => {
    const headers = bearer(test.keys.advertiser);
    const first = await viaEdge('/api/v1/cleanrooms', { headers });
    const etag = String(first.headers.etag);

    const second = await viaEdge('/api/v1/cleanrooms', {
      headers: { ...headers, 'if-none-match': etag },
    });

    expect(first.status).toBe(200);
    expect(etag).toMatch(/^(W\/)?"[^"]+"$/);
    expect(second.status).toBe(304);
    expect(second.body.length).toBe(0);
  });

  it('passes a conditional index.html request on to the server', async () => {
    const first = await viaEdge('/', { headers: { accept: 'text/html' } });
    const etag = String(first.headers.etag);

    const second = await viaEdge('/', {
      headers: { accept: 'text/html', 'if-none-match': etag },
    });

    expect(first.status).toBe(200);
    expect(second.status).toBe(304);
  });

  it('never caches POST responses', async () => {
    const statuses: (string | undefined)[] = [];
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await viaEdge('/api/v1/cleanrooms', {
        method: 'POST',
        headers: { ...bearer(test.keys.advertiser), 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Edge cache POST ${attempt}` }),
      });
      expect(response.status).toBe(201);
      expect(response.headers['cache-control']).toBe('no-store');
      statuses.push(response.headers['x-cache-status'] as string | undefined);
    }

    expect(statuses).not.toContain('HIT');
  });

  it('shows a new deploy at the next navigation', async () => {
    const before = await viaEdge('/', { headers: { accept: 'text/html' } });
    await viaEdge('/', { headers: { accept: 'text/html' } });
    await dist.deployIndex('deployed-later');

    const after = await viaEdge('/', { headers: { accept: 'text/html' } });

    expect(before.body.toString()).toContain('data-build="first"');
    expect(after.headers['x-cache-status']).not.toBe('HIT');
    expect(after.body.toString()).toContain('data-build="deployed-later"');
  });
});

async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once nginx accepts connections; rejects with its error log if it exits first. */
async function waitForPort(port: number, child: ChildProcess, directory: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const log = await readFile(path.join(directory, 'error.log'), 'utf8').catch(() => '');
      throw new Error(`nginx exited with status ${child.exitCode}: ${log}`);
    }
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within 10 s`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
