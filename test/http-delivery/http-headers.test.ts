import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { createWebDist, type WebDistFixture } from './web-dist-fixture.ts';

let test: TestPlatform;
let dist: WebDistFixture;

beforeAll(async () => {
  dist = await createWebDist();
  test = await startTestPlatform({
    backend: 'postgres',
    startWorker: false,
    env: { WEB_DIST_DIR: dist.directory },
  });
});

afterAll(async () => {
  await test?.close();
  await dist?.remove();
});

function getCleanRooms(headers: Record<string, string> = {}) {
  return test.app.inject({
    method: 'GET',
    url: '/api/v1/cleanrooms',
    headers: { ...bearer(test.keys.advertiser), ...headers },
  });
}

function getCleanRoomById(id: string) {
  return test.app.inject({
    method: 'GET',
    url: `/api/v1/cleanrooms/${id}`,
    headers: bearer(test.keys.advertiser),
  });
}

describe('API cache headers', () => {
  it('marks authenticated GETs private and revalidated', async () => {
    const response = await getCleanRooms();

    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('private, no-cache');
    const vary = String(response.headers.vary).toLowerCase();
    expect(vary).toContain('authorization');
    expect(vary).toContain('cookie');
    expect(vary).toContain('accept-encoding');
  });

  it('never stores POST responses', async () => {
    const created = await test.app.inject({
      method: 'POST',
      url: '/api/v1/cleanrooms',
      headers: bearer(test.keys.advertiser),
      payload: { name: 'Cache header check' },
    });
    const invalid = await test.app.inject({
      method: 'POST',
      url: '/api/v1/cleanrooms',
      headers: bearer(test.keys.advertiser),
      payload: { unknownField: true },
    });

    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers['cache-control']).toBe('no-store');
  });

  it('never stores API key listings', async () => {
    const response = await test.app.inject({
      method: 'GET',
      url: '/api/v1/api-keys',
      headers: bearer(test.keys.advertiser),
    });

    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('never stores errors and health checks', async () => {
    const unauthenticated = await test.app.inject({ method: 'GET', url: '/api/v1/cleanrooms' });
    const health = await test.app.inject({ method: 'GET', url: '/health/live' });

    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.headers['cache-control']).toBe('no-store');
    expect(health.headers['cache-control']).toBe('no-store');
  });
});

describe('ETag on API GETs', () => {
  it('answers a matching strong tag with 304 and no body', async () => {
    const first = await getCleanRooms();
    const etag = String(first.headers.etag);

    const second = await getCleanRooms({ 'if-none-match': etag });

    expect(etag).toMatch(/^"[^"]+"$/);
    expect(second.statusCode).toBe(304);
    expect(second.body).toBe('');
    expect(second.headers.etag).toBe(etag);
    expect(second.headers['cache-control']).toBe('private, no-cache');
  });

  it('matches a tag a proxy made weak', async () => {
    const etag = String((await getCleanRooms()).headers.etag);

    const response = await getCleanRooms({ 'if-none-match': `W/${etag}` });

    expect(response.statusCode).toBe(304);
    expect(response.body).toBe('');
  });

  it('matches a tag inside a list', async () => {
    const etag = String((await getCleanRooms()).headers.etag);

    const response = await getCleanRooms({ 'if-none-match': `"other", W/${etag}` });

    expect(response.statusCode).toBe(304);
  });

  it('sends the body for a stale tag', async () => {
    const response = await getCleanRooms({ 'if-none-match': '"stale"' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toHaveProperty('items');
  });

  it('never answers a POST with 304', async () => {
    const response = await test.app.inject({
      method: 'POST',
      url: '/api/v1/cleanrooms',
      headers: { ...bearer(test.keys.advertiser), 'if-none-match': '*' },
      payload: { name: 'Conditional POST' },
    });

    expect(response.statusCode).toBe(201);
  });
});

describe('ETag only on cacheable responses', () => {
  it('sends no ETag on errors, writes and no-store routes', async () => {
    const responses = {
      unauthenticated: await test.app.inject({ method: 'GET', url: '/api/v1/cleanrooms' }),
      notFound: await getCleanRoomById('CR-999999'),
      unmatched: await test.app.inject({ method: 'GET', url: '/api/v1/no-such-route' }),
      health: await test.app.inject({ method: 'GET', url: '/health/live' }),
      ready: await test.app.inject({ method: 'GET', url: '/health/ready' }),
      metrics: await test.app.inject({ method: 'GET', url: '/metrics' }),
      apiKeys: await test.app.inject({
        method: 'GET',
        url: '/api/v1/api-keys',
        headers: bearer(test.keys.advertiser),
      }),
      created: await test.app.inject({
        method: 'POST',
        url: '/api/v1/cleanrooms',
        headers: bearer(test.keys.advertiser),
        payload: { name: 'ETag check' },
      }),
    };

    for (const [name, response] of Object.entries(responses)) {
      expect({ name, etag: response.headers.etag }).toEqual({ name, etag: undefined });
    }
  });

  it('never answers 304 on no-store routes', async () => {
    const apiKeys = await test.app.inject({
      method: 'GET',
      url: '/api/v1/api-keys',
      headers: { ...bearer(test.keys.advertiser), 'if-none-match': '*' },
    });
    const health = await test.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'if-none-match': '*' },
    });

    expect(apiKeys.statusCode).toBe(200);
    expect(health.statusCode).toBe(200);
  });

  it('keeps the ETag on a successful API GET', async () => {
    const response = await getCleanRoomById('CR-000001');

    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toMatch(/^"[^"]+"$/);
  });
});

describe('ETag of a memoized cached body', () => {
  it('is the SHA-1 of the body it sends', async () => {
    const response = await getCleanRooms();
    const digest = createHash('sha1').update(response.rawPayload).digest('base64');

    expect(response.headers.etag).toBe(`"${digest}"`);
  });

  it('stays the same while the list is unchanged', async () => {
    const first = await getCleanRooms();
    const second = await getCleanRooms();

    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.body).toBe(first.body);
  });

  it('changes when a new room invalidates the list', async () => {
    const before = await getCleanRooms();
    const created = await test.app.inject({
      method: 'POST',
      url: '/api/v1/cleanrooms',
      headers: bearer(test.keys.advertiser),
      payload: { name: 'Memoized ETag check' },
    });

    const after = await getCleanRooms();
    const conditional = await getCleanRooms({ 'if-none-match': String(before.headers.etag) });

    expect(created.statusCode).toBe(201);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.body).toContain('Memoized ETag check');
    expect(conditional.statusCode).toBe(200);
    expect(conditional.headers.etag).toBe(after.headers.etag);
  });

  it('changes when an update invalidates a room', async () => {
    const before = await getCleanRoomById('CR-000001');
    const name = `${before.json<{ name: string }>().name} (etag)`;
    const patched = await test.app.inject({
      method: 'PATCH',
      url: '/api/v1/cleanrooms/CR-000001',
      headers: bearer(test.keys.advertiser),
      payload: { name },
    });

    const after = await getCleanRoomById('CR-000001');

    expect(patched.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.json<{ name: string }>().name).toBe(name);
  });

  it('answers HEAD with the tag and no body', async () => {
    const get = await getCleanRooms();
    const head = await test.app.inject({
      method: 'HEAD',
      url: '/api/v1/cleanrooms',
      headers: bearer(test.keys.advertiser),
    });

    expect(head.statusCode).toBe(200);
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.body).toBe('');
  });
});

describe('Vary on compressed responses', () => {
  it('names each header once', async () => {
    const responses = [
      await getCleanRooms({ 'accept-encoding': 'gzip' }),
      await test.app.inject({
        method: 'GET',
        url: '/api/v1/openapi.json',
        headers: { 'accept-encoding': 'br' },
      }),
    ];

    for (const response of responses) {
      expect(response.headers['content-encoding']).toMatch(/^(gzip|br)$/);
      const names = String(response.headers.vary)
        .split(',')
        .map((name) => name.trim().toLowerCase());
      expect(names).toContain('accept-encoding');
      expect(names).toEqual([...new Set(names)]);
    }
  });
});

describe('security headers', () => {
  it('sends a CSP without unsafe-inline on API and HTML responses', async () => {
    for (const response of [
      await getCleanRooms(),
      await test.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } }),
    ]) {
      const policy = String(response.headers['content-security-policy']);
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("style-src 'self'");
      expect(policy).toContain("worker-src 'self'");
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).not.toContain('unsafe-inline');
      expect(policy).not.toContain('unsafe-eval');
    }
  });

  it('sends the usual headers but no HSTS over http', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/health/live' });

    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(String(response.headers['content-security-policy'])).not.toContain(
      'upgrade-insecure-requests',
    );
  });
});

describe('platform behind https with a metrics token', () => {
  const metricsToken = 'metrics-token-for-tests-0123456789';
  let secure: TestPlatform;

  beforeAll(async () => {
    secure = await startTestPlatform({
      backend: 'pglite',
      seed: 'none',
      startWorker: false,
      env: { PUBLIC_URL: 'https://cleanroom.example.com', METRICS_TOKEN: metricsToken },
    });
  });

  afterAll(async () => {
    await secure?.close();
  });

  it('sends HSTS when PUBLIC_URL is https', async () => {
    const response = await secure.app.inject({ method: 'GET', url: '/health/live' });

    expect(response.headers['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains',
    );
    expect(String(response.headers['content-security-policy'])).toContain(
      'upgrade-insecure-requests',
    );
  });

  it('rejects a metrics scrape without the token', async () => {
    const missing = await secure.app.inject({ method: 'GET', url: '/metrics' });
    const wrong = await secure.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: bearer('metrics-token-for-tests-wrong-value'),
    });

    expect(missing.statusCode).toBe(401);
    expect(String(missing.headers['www-authenticate'])).toMatch(/^Bearer/);
    expect(missing.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect(wrong.statusCode).toBe(401);
  });

  it('serves metrics with the token', async () => {
    const response = await secure.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: bearer(metricsToken),
    });

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('cleanroom_http_request_duration_seconds_count');
    expect(response.body).toContain('cleanroom_process_cpu_seconds_total');
  });
});
