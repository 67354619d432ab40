import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WS_CLOSE_UNAUTHENTICATED } from '../../src/interfaces/ws/ws-connection.ts';
import { setUserPassword } from '../../src/services/auth/set-user-password.ts';
import { sendJson } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { signInAs, withSession } from '../web-auth/session-client.ts';
import { TestWsClient } from './ws-test-client.ts';

describe('WebSocket credentials after the upgrade', () => {
  let test: TestPlatform;
  let url: string;
  let origin: string;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite', startWorker: false });
    await test.app.listen({ host: '127.0.0.1', port: 0 });
    const address = test.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    url = `ws://127.0.0.1:${port}/ws`;
    origin = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await test?.close();
  });

  async function signIn() {
    return signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
  }

  async function createKey(): Promise<{ id: string; key: string }> {
    const { status, body } = await sendJson<{ id: string; key: string }>(
      test.app,
      test.keys.advertiser,
      'POST',
      '/api/v1/api-keys',
      { name: `ws-credentials-${randomUUID()}` },
    );
    expect(status).toBe(201);
    return body;
  }

  async function revokeKey(id: string): Promise<void> {
    const { status } = await sendJson(
      test.app,
      test.keys.advertiser,
      'DELETE',
      `/api/v1/api-keys/${id}`,
    );
    expect(status).toBe(200);
  }

  async function expectPong(client: TestWsClient, id: string): Promise<void> {
    client.send({ type: 'ping', id });
    expect(
      await client.waitFor((message) => message.type === 'pong' && message.id === id),
    ).toMatchObject({ id });
  }

  function sendMessage(client: TestWsClient, id: string): void {
    client.send({ type: 'send_message', id, conversationId: null, text: 'list my clean rooms' });
  }

  describe('session cookie', () => {
    it('closes the socket after sign-out', async () => {
      const session = await signIn();
      const client = await TestWsClient.connect(url, { cookie: session.cookie, origin });
      await expectPong(client, 'before');

      const logout = await withSession(test.app, session, 'POST', '/api/v1/auth/logout');
      expect(logout.statusCode).toBe(204);
      sendMessage(client, 'after-logout');

      const error = await client.waitFor((message) => message.type === 'error');
      expect(error).toMatchObject({ id: 'after-logout', code: 'SESSION_ENDED' });
      expect(error).toMatchObject({ message: expect.stringContaining('sign in again') });
      const closed = await client.closed;
      expect(closed.code).toBe(WS_CLOSE_UNAUTHENTICATED);
      expect(closed.reason).toBe('Session ended');
      expect(client.messages.filter((message) => message.type === 'ack')).toEqual([]);
      expect(client.messages.filter((message) => message.type === 'chat')).toEqual([]);
    });

    it('closes the socket after the password is set', async () => {
      const session = await signIn();
      const client = await TestWsClient.connect(url, { cookie: session.cookie, origin });
      await expectPong(client, 'before');

      const result = await setUserPassword(
        test.platform.context.db,
        test.emails.advertiser,
        test.passwords.advertiser,
      );
      expect(result.sessionsEnded).toBeGreaterThan(0);
      sendMessage(client, 'after-password');

      expect(await client.waitFor((message) => message.type === 'error')).toMatchObject({
        id: 'after-password',
        code: 'SESSION_ENDED',
      });
      expect((await client.closed).code).toBe(WS_CLOSE_UNAUTHENTICATED);
      expect(client.messages.filter((message) => message.type === 'ack')).toEqual([]);
    });
  });

  describe('API key', () => {
    it('closes the socket after the key is revoked', async () => {
      const { id, key } = await createKey();
      const client = await TestWsClient.connect(url, { key });
      await expectPong(client, 'before');

      await revokeKey(id);
      sendMessage(client, 'after-revoke');

      const error = await client.waitFor((message) => message.type === 'error');
      expect(error).toMatchObject({ id: 'after-revoke', code: 'API_KEY_REVOKED' });
      expect(error).toMatchObject({ message: expect.stringContaining('was revoked') });
      const closed = await client.closed;
      expect(closed.code).toBe(WS_CLOSE_UNAUTHENTICATED);
      expect(closed.reason).toBe('API key no longer valid');
      expect(client.messages.filter((message) => message.type === 'ack')).toEqual([]);
    });

    it('closes the socket of a subprotocol key after revocation', async () => {
      const { id, key } = await createKey();
      const client = await TestWsClient.connect(url, { subprotocolKey: key, origin });
      await expectPong(client, 'before');

      await revokeKey(id);
      client.send({ type: 'ping', id: 'after-revoke' });

      expect(await client.waitFor((message) => message.type === 'error')).toMatchObject({
        code: 'API_KEY_REVOKED',
      });
      expect((await client.closed).code).toBe(WS_CLOSE_UNAUTHENTICATED);
      expect(client.messages.filter((message) => message.type === 'pong')).toHaveLength(1);
    });
  });

  describe('periodic recheck', () => {
    it('closes a silent socket whose key was revoked', async () => {
      const { id, key } = await createKey();
      const revoked = await TestWsClient.connect(url, { key });
      const valid = await TestWsClient.connect(url, { key: test.keys.advertiser });

      await revokeKey(id);
      const hub = test.app.wsHub;
      expect(await hub?.recheckCredentials()).toBe(1);

      expect(await revoked.waitFor((message) => message.type === 'error')).toMatchObject({
        id: null,
        code: 'API_KEY_REVOKED',
      });
      expect((await revoked.closed).code).toBe(WS_CLOSE_UNAUTHENTICATED);
      await expectPong(valid, 'still-open');
      await valid.close();
    });

    it('closes a silent socket after sign-out', async () => {
      const session = await signIn();
      const client = await TestWsClient.connect(url, { cookie: session.cookie, origin });

      await withSession(test.app, session, 'POST', '/api/v1/auth/logout');
      await test.app.wsHub?.recheckCredentials();

      expect(await client.waitFor((message) => message.type === 'error')).toMatchObject({
        id: null,
        code: 'SESSION_ENDED',
      });
      expect((await client.closed).code).toBe(WS_CLOSE_UNAUTHENTICATED);
    });

    it('renews a session on messages, not on rechecks', async () => {
      const session = await signIn();
      const client = await TestWsClient.connect(url, { cookie: session.cookie, origin });
      const db = test.platform.context.db;
      // Every session of this platform's schema idle for 10 minutes, with 5 minutes left.
      await db.query(
        `UPDATE sessions SET last_seen_at = now() - interval '10 minutes',
                             expires_at = now() + interval '5 minutes'`,
      );
      const expiryOf = async () =>
        (
          await db.query<{ expires_at: Date }>('SELECT max(expires_at) AS expires_at FROM sessions')
        )[0]!.expires_at.getTime();
      const before = await expiryOf();

      expect(await test.app.wsHub?.recheckCredentials()).toBe(0);
      expect(await expiryOf()).toBe(before);

      await expectPong(client, 'user-activity');
      expect(await expiryOf()).toBeGreaterThan(before);
      await client.close();
    });

    it('keeps sockets with valid credentials open', async () => {
      const session = await signIn();
      const cookieClient = await TestWsClient.connect(url, { cookie: session.cookie, origin });
      const keyClient = await TestWsClient.connect(url, { key: test.keys.advertiser });

      expect(await test.app.wsHub?.recheckCredentials()).toBe(0);
      await expectPong(cookieClient, 'cookie-open');
      await expectPong(keyClient, 'key-open');
      await cookieClient.close();
      await keyClient.close();
    });
  });
});
