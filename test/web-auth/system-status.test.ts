import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { createUser } from '../../src/services/auth/create-user.ts';
import { signInAs, withSession } from './session-client.ts';

interface Component {
  name: string;
  backend: string;
  status: string;
  detail?: string;
}

interface SystemStatus {
  components: Component[];
  version: string;
  uptimeSeconds: number;
}

async function readStatus(test: TestPlatform, email: string, password: string) {
  const session = await signInAs(test.app, email, password);
  const response = await withSession(test.app, session, 'GET', '/api/v1/system/status');
  expect(response.statusCode).toBe(200);
  const body = response.json<SystemStatus>();
  const byName = (name: string) => body.components.find((component) => component.name === name);
  return { body, byName };
}

describe('system status on PGlite without Redis', () => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite', startWorker: false });
  });
  afterAll(async () => {
    await test.close();
  });

  it('reports the embedded backends as ok', async () => {
    const { body, byName } = await readStatus(
      test,
      test.emails.advertiser,
      test.passwords.advertiser,
    );

    expect(body.components.map((component) => component.name).sort()).toEqual(
      ['cache', 'database', 'engine', 'llm', 'push', 'queue', 'redis', 'runEvents'].sort(),
    );
    expect(byName('database')).toMatchObject({ backend: 'pglite (embedded)', status: 'ok' });
    expect(byName('queue')).toMatchObject({ backend: 'pg-boss on pglite', status: 'ok' });
    expect(byName('runEvents')).toMatchObject({ backend: 'in-process', status: 'ok' });
    expect(byName('redis')).toMatchObject({ backend: 'not configured', status: 'ok' });
    expect(byName('push')).toMatchObject({ backend: 'not configured', status: 'ok' });
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('shows details to an admin', async () => {
    const { byName } = await readStatus(test, test.emails.advertiser, test.passwords.advertiser);

    expect(byName('database')?.detail).toMatch(/^\d+ ms$/);
  });

  it('hides details from a member', async () => {
    const email = `member-${randomBytes(4).toString('hex')}@example.com`;
    await createUser(test.platform.context.db, {
      organizationName: 'Northwind Outfitters',
      email,
      name: 'Member',
      role: 'MEMBER',
      password: 'member password 123',
    });
    const { body } = await readStatus(test, email, 'member password 123');

    expect(body.components.every((component) => component.detail === undefined)).toBe(true);
  });

  it('answers 401 without sign-in', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/system/status' });

    expect(response.statusCode).toBe(401);
  });

  it('answers 404 for the push key without VAPID keys', async () => {
    const session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
    const response = await withSession(test.app, session, 'GET', '/api/v1/push/public-key');

    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('PUSH_NOT_CONFIGURED');
  });
});

describe('system status on PostgreSQL with Redis', () => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({
      backend: 'postgres',
      startWorker: false,
      env: {
        REDIS_URL: 'redis://127.0.0.1:6379',
        REDIS_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}:`,
      },
    });
    await test.platform.context.webAccess?.redis?.waitUntilReady();
  });
  afterAll(async () => {
    await test.close();
  });

  it('reports PostgreSQL and Redis as ok', async () => {
    const { byName } = await readStatus(test, test.emails.retailer, test.passwords.retailer);

    expect(byName('database')).toMatchObject({ backend: 'postgresql', status: 'ok' });
    expect(byName('queue')).toMatchObject({ backend: 'pg-boss on postgres', status: 'ok' });
    expect(byName('runEvents')).toMatchObject({ backend: 'redis', status: 'ok' });
    expect(byName('redis')).toMatchObject({ backend: 'redis', status: 'ok' });
    expect(byName('redis')?.detail).toMatch(/^PING \d+ ms$/);
  });
});

describe('system status with Redis unreachable', () => {
  it('reports Redis degraded and the database ok', async () => {
    const test = await startTestPlatform({
      backend: 'pglite',
      startWorker: false,
      env: { REDIS_URL: 'redis://127.0.0.1:1', REDIS_CONNECT_TIMEOUT_MS: '200' },
    });
    try {
      const { byName } = await readStatus(test, test.emails.advertiser, test.passwords.advertiser);

      expect(byName('redis')).toMatchObject({ backend: 'redis', status: 'degraded' });
      expect(byName('runEvents')).toMatchObject({ backend: 'redis', status: 'degraded' });
      expect(byName('database')).toMatchObject({ status: 'ok' });
    } finally {
      await test.close();
    }
  });
});
