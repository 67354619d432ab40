import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunNotification } from '../../src/services/push/notify-run-finished.ts';
import { sendJson } from '../support/api-helpers.ts';
import { launchChromium, type ChromiumSession } from './support/chromium.ts';
import { evaluateInPage, signIn, waitForServiceWorker } from './support/page-helpers.ts';
import { startWebTestServer, type WebTestServer } from './support/web-test-server.ts';
import {
  attachServiceWorkerDevTools,
  type ServiceWorkerDevTools,
} from './support/service-worker-devtools.ts';

const ROOM = 'CR-000001';

interface ShownNotification {
  title: string;
  body: string;
  icon: string;
  data: { url?: string } | null;
}

/** Lists the notifications the service worker shows, read in the page through its registration. */
const SHOWN_NOTIFICATIONS = `navigator.serviceWorker.ready
  .then((registration) => registration.getNotifications())
  .then((notifications) => notifications.map(({ title, body, icon, data }) => ({ title, body, icon, data })))`;

const CLOSE_NOTIFICATIONS = `navigator.serviceWorker.ready
  .then((registration) => registration.getNotifications())
  .then((notifications) => notifications.forEach((notification) => notification.close()))`;

// NOTE: notificationclick has no test. The DevTools Protocol has no command to click a
// notification. A NotificationEvent that a test dispatches in the worker is script-constructed,
// so in Chromium 156 waitUntil throws InvalidStateError and clients.focus() rejects with
// "Not allowed to focus a window", and the page does not move.
describe('web app service worker push', () => {
  let server: WebTestServer;
  let browser: ChromiumSession;
  let page: Page;
  let devTools: ServiceWorkerDevTools;
  let run: { id: string; name: string };

  const shownNotifications = () => evaluateInPage<ShownNotification[]>(page, SHOWN_NOTIFICATIONS);

  beforeAll(async () => {
    // No worker: the run stays queued, because only its id and name go into the payload.
    server = await startWebTestServer({ startWorker: false });
    const { app, keys, emails, passwords } = server.platform;
    const created = await sendJson<{ id: string; name: string }>(
      app,
      keys.advertiser,
      'POST',
      `/api/v1/cleanrooms/${ROOM}/runs`,
      { questionId: 'audience_overlap', parameters: { attribute: 'age_band' } },
    );
    run = created.body;

    browser = await launchChromium();
    await browser.context.grantPermissions(['notifications'], { origin: server.baseUrl });
    page = await browser.context.newPage();
    await signIn(page, server.baseUrl, emails.advertiser, passwords.advertiser);
    await waitForServiceWorker(page);
    devTools = await attachServiceWorkerDevTools(page, server.baseUrl);
  }, 180_000);

  afterAll(async () => {
    await devTools?.detach();
    await browser?.close();
    await server?.close();
  });

  beforeEach(async () => {
    await evaluateInPage(page, CLOSE_NOTIFICATIONS);
  });

  it('shows the notification of a finished run', async () => {
    // The shape notifyRunFinished sends for a completed run.
    const notification: RunNotification = {
      title: 'Run completed',
      body: `${run.name} is ready; open it to read the results.`,
      url: `/runs/${run.id}`,
    };
    await devTools.deliverPush(JSON.stringify(notification));

    await expect.poll(shownNotifications).toHaveLength(1);
    const [shown] = await shownNotifications();
    expect(shown?.title).toBe(notification.title);
    expect(shown?.body).toBe(notification.body);
    expect(shown?.data?.url).toBe(notification.url);
    expect(shown?.icon).toBe(`${server.baseUrl}/icons/icon-192.png`);
  });

  it('shows a payload that is not JSON as the body', async () => {
    await devTools.deliverPush('Your run is ready.');

    await expect.poll(shownNotifications).toHaveLength(1);
    const [shown] = await shownNotifications();
    expect(shown?.title).toBe('Cleanroom Copilot');
    expect(shown?.body).toBe('Your run is ready.');
    expect(shown?.data?.url).toBe('/runs');
  });

  it('keeps a notification link on this site', async () => {
    const notification: RunNotification = {
      title: 'Run failed',
      body: 'A run failed.',
      url: 'https://example.com/runs/1',
    };
    await devTools.deliverPush(JSON.stringify(notification));

    await expect.poll(shownNotifications).toHaveLength(1);
    const [shown] = await shownNotifications();
    expect(shown?.title).toBe('Run failed');
    expect(shown?.data?.url).toBe('/runs');
  });
});
