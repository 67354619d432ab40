import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { createUser } from '../../src/services/auth/create-user.ts';
import { postLogin } from './session-client.ts';

const PASSWORD = 'correct horse battery staple';

/** Creates a user with its own email, so its failure counter starts at 0. */
async function freshUser(test: TestPlatform): Promise<string> {
  const email = `user-${randomBytes(4).toString('hex')}@example.com`;
  await createUser(test.platform.context.db, {
    organizationName: 'Northwind Outfitters',
    email,
    name: 'Throttle test',
    role: 'MEMBER',
    password: PASSWORD,
  });
  return email;
}

/** Fails sign-in `times` times for the email, from the address in X-Forwarded-For-less inject (127.0.0.1). */
async function failTimes(test: TestPlatform, email: string, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let attempt = 0; attempt < times; attempt += 1) {
    statuses.push((await postLogin(test.app, email, 'wrong password 123')).statusCode);
  }
  return statuses;
}

const throttleCases = [
  { name: 'in memory', env: {} as Record<string, string> },
  {
    name: 'in Redis',
    env: {
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}:`,
    },
  },
];

describe.each(throttleCases)('login throttle $name', ({ env }) => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({
      backend: 'pglite',
      seed: 'small',
      startWorker: false,
      env: { ...env, LOGIN_MAX_FAILURES_PER_IP: '1000' },
    });
    await test.platform.context.webAccess?.redis?.waitUntilReady();
  });
  afterAll(async () => {
    await test.close();
  });

  it('answers 429 after five failures', async () => {
    const email = await freshUser(test);
    const statuses = await failTimes(test, email, 5);
    const throttled = await postLogin(test.app, email, 'wrong password 123');

    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json().error.code).toBe('LOGIN_THROTTLED');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(800);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(900);
  });

  it('words the wait in minutes', async () => {
    const email = await freshUser(test);
    await failTimes(test, email, 5);
    const throttled = await postLogin(test.app, email, 'wrong password 123');
    const { error } = throttled.json<{
      error: { message: string; details: { retryAfterSeconds: number } };
    }>();

    // The default window is 900 s, so the wait is 15 minutes, or 14 when the failures took over a minute.
    expect(error.message).toMatch(
      /^Too many failed sign-ins for this account or network; try again in 1[45] minutes\.$/,
    );
    expect(error.message).not.toMatch(/\d+ s\b/);
    expect(error.details.retryAfterSeconds).toBe(Number(throttled.headers['retry-after']));
  });

  it('refuses the right password while throttled', async () => {
    const email = await freshUser(test);
    await failTimes(test, email, 5);
    const response = await postLogin(test.app, email, PASSWORD);

    expect(response.statusCode).toBe(429);
  });

  it('counts each email on its own', async () => {
    const throttledEmail = await freshUser(test);
    const otherEmail = await freshUser(test);
    await failTimes(test, throttledEmail, 5);
    const response = await postLogin(test.app, otherEmail, PASSWORD);

    expect(response.statusCode).toBe(200);
  });

  it('clears the count after a success', async () => {
    const email = await freshUser(test);
    await failTimes(test, email, 4);
    await postLogin(test.app, email, PASSWORD);
    const statuses = await failTimes(test, email, 4);

    expect(statuses).toEqual([401, 401, 401, 401]);
  });

  it('keeps the counts where configured', async () => {
    const email = await freshUser(test);
    await failTimes(test, email, 1);
    const redis = test.platform.context.webAccess?.redis;
    const keys = redis ? await redis.client.keys(`${env.REDIS_KEY_PREFIX}*login-failures:*`) : [];
    const emailHash = createHash('sha256').update(email).digest('hex');

    expect(Boolean(redis)).toBe(Boolean(env.REDIS_URL));
    if (!env.REDIS_URL) return;
    expect(keys.some((key) => key.endsWith(`login-failures:email:${emailHash}`))).toBe(true);
    expect(keys.some((key) => key.endsWith('login-failures:ip:127.0.0.1'))).toBe(true);
    expect(keys.join(' ')).not.toContain(email);
  });

  it('throttles unknown emails too', async () => {
    const email = `unknown-${randomBytes(4).toString('hex')}@example.com`;
    await failTimes(test, email, 5);
    const response = await postLogin(test.app, email, 'wrong password 123');

    expect(response.statusCode).toBe(429);
  });
});

describe('login throttle per IP address', () => {
  it('answers 429 after the IP limit across emails', async () => {
    const test = await startTestPlatform({
      backend: 'pglite',
      seed: 'none',
      startWorker: false,
      env: { LOGIN_MAX_FAILURES_PER_IP: '3' },
    });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const response = await postLogin(
          test.app,
          `spray-${attempt}@example.com`,
          'guess 12345678',
        );
        statuses.push(response.statusCode);
      }

      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await test.close();
    }
  });
});

describe('login throttle with Redis unreachable', () => {
  it('keeps throttling in memory and warns', async () => {
    const lines: string[] = [];
    const log = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const test = await startTestPlatform({
      backend: 'pglite',
      seed: 'none',
      startWorker: false,
      log,
      env: { REDIS_URL: 'redis://127.0.0.1:1', REDIS_CONNECT_TIMEOUT_MS: '200' },
    });
    try {
      const email = 'nobody-here@example.com';
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 6; attempt += 1) {
        statuses.push((await postLogin(test.app, email, 'guess 12345678')).statusCode);
      }

      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      expect(lines.some((line) => line.includes('login throttle counting in memory'))).toBe(true);
    } finally {
      await test.close();
    }
  });
});
