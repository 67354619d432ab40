import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

describe('service documents', () => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite', seed: 'none' });
  });

  afterAll(async () => {
    await test?.close();
  });

  it('publishes an OpenAPI 3 document generated from the schemas', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });

    expect(response.statusCode).toBe(200);
    const document = response.json() as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/cleanrooms',
        '/api/v1/cleanrooms/{cleanRoomId}/runs',
        '/api/v1/runs/{runId}/results',
        '/api/v1/datasets',
      ]),
    );
    expect(document.paths['/api/v1/cleanrooms']?.post?.responses).toHaveProperty('422');
  });

  it('reports liveness', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/health/live' });

    expect(response.statusCode).toBe(200);
  });

  it('reports readiness with the backend each part uses', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/health/ready' });

    expect(response.statusCode).toBe(200);
    const body = response.json() as { checks: Record<string, { ok: boolean; backend: string }> };
    expect(body.checks.database).toMatchObject({ ok: true, backend: 'pglite (embedded)' });
    expect(body.checks.queue).toMatchObject({ ok: true, backend: 'pg-boss on pglite' });
  });
});
