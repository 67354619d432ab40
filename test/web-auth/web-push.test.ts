import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRoom, waitForRun } from '../support/api-helpers.ts';
import { startTestPlatform, type Backend, type TestPlatform } from '../support/test-platform.ts';
import { startRunPushNotifications } from '../../src/services/push/start-run-push-notifications.ts';
import {
  createBrowserKeys,
  decryptPushBody,
  LocalPushService,
  readVapidAuthorization,
} from './push-service.ts';
import { signInAs, withSession, type BrowserSession } from './session-client.ts';

const overlapRun = { questionId: 'audience_overlap', parameters: { attribute: 'age_band' } };
const SUBJECT = 'mailto:push-test@example.com';

describe.each<Backend>(['pglite', 'postgres'])('Web Push of finished runs on %s', (backend) => {
  const vapid = webpush.generateVAPIDKeys();
  const pushService = new LocalPushService();
  let test: TestPlatform;
  let session: BrowserSession;
  let roomId: string;

  beforeAll(async () => {
    await pushService.start();
    test = await startTestPlatform({
      backend,
      env: {
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: SUBJECT,
        PUSH_TTL_SECONDS: '3600',
        PUSH_ALLOW_INSECURE_ENDPOINTS: 'true',
      },
    });
    session = await signInAs(test.app, test.emails.advertiser, test.passwords.advertiser);
    roomId = (await findRoom(test.app, test.keys.advertiser, 'Holiday')).id;
  });
  afterAll(async () => {
    await test.close();
    await pushService.stop();
  });

  async function subscribe(path: string) {
    const browser = createBrowserKeys();
    const response = await withSession(test.app, session, 'POST', '/api/v1/push/subscriptions', {
      body: { endpoint: `${pushService.origin}${path}`, expirationTime: null, keys: browser.keys },
    });
    expect(response.statusCode).toBe(201);
    return browser;
  }

  async function runToEnd(): Promise<string> {
    const started = await withSession(
      test.app,
      session,
      'POST',
      `/api/v1/cleanrooms/${roomId}/runs`,
      {
        body: overlapRun,
      },
    );
    expect(started.statusCode).toBe(202);
    const runId = started.json<{ id: string }>().id;
    expect((await waitForRun(test.app, test.keys.advertiser, runId)).status).toBe('COMPLETED');
    return runId;
  }

  it('returns the VAPID public key', async () => {
    const response = await withSession(test.app, session, 'GET', '/api/v1/push/public-key');

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ publicKey: vapid.publicKey });
  });

  it('notifies the browser once when a run completes', async () => {
    const browser = await subscribe('/push/browser-1');
    const secondProcess = startRunPushNotifications(
      test.platform.context,
      test.platform.context.webAccess!.webPush!,
    );
    const before = pushService.received.length;

    const runId = await runToEnd();
    await pushService.waitForMessages(before + 1);
    await secondProcess.stop();
    const message = pushService.received[before]!;
    const vapidHeader = readVapidAuthorization(message.headers.authorization);
    const payload = JSON.parse(decryptPushBody(message.body, browser));

    expect(pushService.received).toHaveLength(before + 1);
    expect(message.path).toBe('/push/browser-1');
    expect(vapidHeader.signatureValid).toBe(true);
    expect(vapidHeader.publicKey).toBe(vapid.publicKey);
    expect(vapidHeader.claims.aud).toBe(pushService.origin);
    expect(vapidHeader.claims.sub).toBe(SUBJECT);
    expect(vapidHeader.claims.exp).toBeGreaterThan(Date.now() / 1000);
    expect(message.headers['content-encoding']).toBe('aes128gcm');
    expect(message.headers.ttl).toBe('3600');
    expect(payload.title).toBe('Run completed');
    expect(payload.url).toBe(`/runs/${runId}`);
    expect(typeof payload.body).toBe('string');
  });

  it('deletes a subscription the push service reports gone', async () => {
    await withSession(test.app, session, 'DELETE', '/api/v1/push/subscriptions', {
      body: { endpoint: `${pushService.origin}/push/browser-1` },
    });
    await subscribe('/push/gone');
    pushService.statusFor = (path) => (path === '/push/gone' ? 410 : 201);
    const before = pushService.received.length;

    await runToEnd();
    await pushService.waitForMessages(before + 1);
    await test.platform.context.webAccess!.pushNotifications!.settled();
    const rows = await test.platform.context.db.query(
      'SELECT id FROM push_subscriptions WHERE endpoint = $1',
      [`${pushService.origin}/push/gone`],
    );

    expect(rows).toHaveLength(0);
  });

  it('rejects an http endpoint off loopback', async () => {
    const response = await withSession(test.app, session, 'POST', '/api/v1/push/subscriptions', {
      body: { endpoint: 'http://push.example.com/x', keys: createBrowserKeys().keys },
    });

    expect(response.statusCode).toBe(422);
    expect(response.json().error.code).toBe('PUSH_SUBSCRIPTION_INVALID');
  });

  it('rejects keys of the wrong length', async () => {
    const response = await withSession(test.app, session, 'POST', '/api/v1/push/subscriptions', {
      body: { endpoint: 'https://push.example.com/x', keys: { p256dh: 'AAAA', auth: 'AAAA' } },
    });

    expect(response.statusCode).toBe(422);
  });

  it('answers 404 deleting an unknown endpoint', async () => {
    const response = await withSession(test.app, session, 'DELETE', '/api/v1/push/subscriptions', {
      body: { endpoint: 'https://push.example.com/never-subscribed' },
    });

    expect(response.statusCode).toBe(404);
  });
});
