import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  startTestPlatform,
  type Backend,
  type TestPlatform,
} from '../support/test-platform.ts';
import { postLogin, signInAs, withSession } from './session-client.ts';

describe.each<Backend>(['pglite', 'postgres'])('web sign-in on %s', (backend) => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({ backend, startWorker: false });
  });
  afterAll(async () => {
    await test.close();
  });

  describe('login', () => {
    it('returns the user, organization and CSRF token', async () => {
      const session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);

      expect(session.body.user.email).toBe(test.emails.advertiser);
      expect(session.body.user.role).toBe('ADMIN');
      expect(session.body.organization.name).toBe('Northwind Outfitters');
      expect(session.body.organization.kind).toBe('ADVERTISER');
      expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('sets an HttpOnly, Secure, SameSite=Lax cookie', async () => {
      const response = await postLogin(test.app, test.emails.publisher, test.passwords.publisher);
      const cookie = response.cookies.find((entry) => entry.name === 'cr_session');

      expect(response.statusCode).toBe(200);
      expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(cookie?.httpOnly).toBe(true);
      expect(cookie?.secure).toBe(true);
      expect(cookie?.sameSite).toBe('Lax');
      expect(cookie?.path).toBe('/');
      expect(cookie?.maxAge).toBeGreaterThan(29 * 86_400);
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('stores only the hash of the session id', async () => {
      const session = await signInAs(test.app, test.emails.retailer, test.passwords.retailer);
      const id = session.cookie.split('=')[1]!;
      const rows = await test.platform.context.db.query<{ id_hash: string }>(
        'SELECT id_hash FROM sessions',
      );

      expect(rows.length).toBeGreaterThan(0);
      expect(rows.some((row) => row.id_hash.includes(id))).toBe(false);
    });

    it('rejects a wrong password and an unknown email alike', async () => {
      const wrongPassword = await postLogin(test.app, test.emails.advertiser, 'not the password 1');
      const unknownEmail = await postLogin(test.app, 'nobody@example.com', 'not the password 1');

      expect(wrongPassword.statusCode).toBe(401);
      expect(unknownEmail.statusCode).toBe(401);
      expect(wrongPassword.json().error.code).toBe('INVALID_CREDENTIALS');
      expect(unknownEmail.json().error.code).toBe('INVALID_CREDENTIALS');
      expect(wrongPassword.json().error.message).toBe(unknownEmail.json().error.message);
      expect(wrongPassword.cookies).toHaveLength(0);
    });

    it('accepts the email in another case', async () => {
      const response = await postLogin(
        test.app,
        test.emails.advertiser.toUpperCase(),
        test.passwords.advertiser,
      );

      expect(response.statusCode).toBe(200);
    });

    it('rejects a body that is not JSON', async () => {
      const response = await test.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'text/plain' },
        payload: JSON.stringify({
          email: test.emails.advertiser,
          password: test.passwords.advertiser,
        }),
      });

      expect(response.statusCode).toBe(415);
      expect(response.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('rejects another origin', async () => {
      const response = await postLogin(
        test.app,
        test.emails.advertiser,
        test.passwords.advertiser,
        {
          origin: 'https://attacker.example',
        },
      );

      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('LOGIN_ORIGIN_NOT_ALLOWED');
    });

    it('accepts its own origin', async () => {
      const response = await postLogin(
        test.app,
        test.emails.advertiser,
        test.passwords.advertiser,
        {
          origin: 'http://127.0.0.1:3000',
          host: '127.0.0.1:3000',
        },
      );

      expect(response.statusCode).toBe(200);
    });
  });

  describe('session', () => {
    it('returns the session of the cookie', async () => {
      const session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
      const response = await withSession(test.app, session, 'GET', '/api/v1/auth/session');

      expect(response.statusCode).toBe(200);
      expect(response.json().user.id).toBe(session.body.user.id);
      expect(response.json().csrfToken).toBe(session.csrfToken);
    });

    it('answers 401 without a cookie', async () => {
      const response = await test.app.inject({ method: 'GET', url: '/api/v1/auth/session' });

      expect(response.statusCode).toBe(401);
    });

    it('authenticates API routes with the cookie', async () => {
      const session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
      const response = await withSession(test.app, session, 'GET', '/api/v1/me');

      expect(response.statusCode).toBe(200);
      expect(response.json().organizationName).toBe('Northwind Outfitters');
    });

    it('answers 401 once the session expired', async () => {
      const session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
      await test.platform.context.db.query(
        "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1",
        [session.body.user.id],
      );
      const response = await withSession(test.app, session, 'GET', '/api/v1/cleanrooms');

      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('SESSION_EXPIRED');
    });

    it('answers 401 past the absolute expiry', async () => {
      const session = await signInAs(test.app, test.emails.publisher, test.passwords.publisher);
      await test.platform.context.db.query(
        "UPDATE sessions SET absolute_expires_at = now() - interval '1 second' WHERE user_id = $1",
        [session.body.user.id],
      );
      const response = await withSession(test.app, session, 'GET', '/api/v1/auth/session');

      expect(response.statusCode).toBe(401);
    });

    it('renews the idle expiry on use', async () => {
      const session = await signInAs(test.app, test.emails.retailer, test.passwords.retailer);
      await test.platform.context.db.query(
        `UPDATE sessions SET last_seen_at = now() - interval '2 minutes',
                             expires_at = now() + interval '1 minute' WHERE user_id = $1`,
        [session.body.user.id],
      );
      const response = await withSession(test.app, session, 'GET', '/api/v1/auth/session');
      const expiresAt = new Date(response.json<{ expiresAt: string }>().expiresAt).getTime();

      expect(response.statusCode).toBe(200);
      expect(expiresAt).toBeGreaterThan(Date.now() + 11 * 3_600_000);
    });
  });

  describe('logout', () => {
    it('deletes the session and clears the cookie', async () => {
      const session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
      const response = await withSession(test.app, session, 'POST', '/api/v1/auth/logout');
      const cleared = response.cookies.find((entry) => entry.name === 'cr_session');
      const after = await withSession(test.app, session, 'GET', '/api/v1/auth/session');

      expect(response.statusCode).toBe(204);
      expect(cleared?.value).toBe('');
      expect(after.statusCode).toBe(401);
    });

    it('needs the CSRF token', async () => {
      const session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
      const response = await withSession(test.app, session, 'POST', '/api/v1/auth/logout', {
        csrf: false,
      });
      const after = await withSession(test.app, session, 'GET', '/api/v1/auth/session');

      expect(response.statusCode).toBe(403);
      expect(after.statusCode).toBe(200);
    });
  });

  describe('CSRF', () => {
    it('rejects a cookie POST without the token', async () => {
      const session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
      const response = await withSession(test.app, session, 'POST', '/api/v1/api-keys', {
        body: { name: 'from a forged form' },
        csrf: false,
      });

      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('CSRF_TOKEN_INVALID');
    });

    it('rejects a cookie POST with a wrong token', async () => {
      const session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
      const response = await withSession(
        test.app,
        { ...session, csrfToken: 'x'.repeat(43) },
        'POST',
        '/api/v1/api-keys',
        { body: { name: 'wrong token' } },
      );

      expect(response.statusCode).toBe(403);
    });

    it('accepts a cookie POST with the token', async () => {
      const session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
      const response = await withSession(test.app, session, 'POST', '/api/v1/api-keys', {
        body: { name: 'from the web app' },
      });

      expect(response.statusCode).toBe(201);
    });

    it('needs no token with an API key', async () => {
      const response = await test.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: bearer(test.keys.advertiser),
        payload: { name: 'from a script' },
      });

      expect(response.statusCode).toBe(201);
    });
  });

  describe('tenancy', () => {
    it("never shows one organization's room to another's session", async () => {
      const advertiser = await signInAs(
        test.app,
        test.emails.advertiser,
        test.passwords.advertiser,
      );
      const retailer = await signInAs(test.app, test.emails.retailer, test.passwords.retailer);
      const created = await withSession(test.app, advertiser, 'POST', '/api/v1/cleanrooms', {
        body: { name: 'Advertiser private room' },
      });
      const roomId = created.json<{ id: string }>().id;

      const direct = await withSession(test.app, retailer, 'GET', `/api/v1/cleanrooms/${roomId}`);
      const list = await withSession(
        test.app,
        retailer,
        'GET',
        '/api/v1/cleanrooms?search=private',
      );

      expect(created.statusCode).toBe(201);
      expect(direct.statusCode).toBe(404);
      expect(list.json<{ items: unknown[] }>().items).toHaveLength(0);
    });
  });
});

describe('session cookie on a public http host', () => {
  it('goes without Secure', async () => {
    const test = await startTestPlatform({
      backend: 'pglite',
      startWorker: false,
      env: { HOST: '0.0.0.0', PUBLIC_URL: 'http://cleanroom.internal:3000' },
    });
    try {
      const response = await postLogin(test.app, test.emails.advertiser, test.passwords.advertiser);
      const cookie = response.cookies.find((entry) => entry.name === 'cr_session');

      expect(cookie?.secure).toBeUndefined();
      expect(cookie?.httpOnly).toBe(true);
    } finally {
      await test.close();
    }
  });
});
