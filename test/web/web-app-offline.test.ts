import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, sendJson, waitForRun } from '../support/api-helpers.ts';
import { launchChromium, type ChromiumSession } from './support/chromium.ts';
import { evaluateInPage, signIn, waitForServiceWorker } from './support/page-helpers.ts';
import { startWebTestServer, type WebTestServer } from './support/web-test-server.ts';
import { attachServiceWorkerDevTools } from './support/service-worker-devtools.ts';

const RUN_SUBMISSION_GLOB = '**/api/v1/cleanrooms/*/runs';
const ROOM = 'CR-000001';
/** Asks the service worker to submit its queued runs now, as the page does when it comes back online. */
const REPLAY_EXPRESSION =
  "navigator.serviceWorker.controller?.postMessage({ type: 'replay-runs' })";
/** Sync tag of the worker's run queue: workbox-background-sync 7 registers `workbox-background-sync:<queue name>`. */
const RUN_QUEUE_SYNC_TAG = 'workbox-background-sync:run-submissions';

interface RunPage {
  items: { id: string }[];
}

describe('web app offline', () => {
  let server: WebTestServer;
  let browser: ChromiumSession;
  let page: Page;
  let completedRunId: string;

  const runCount = async () =>
    (
      await getJson<RunPage>(
        server.platform.app,
        server.platform.keys.advertiser,
        '/api/v1/runs?limit=500',
      )
    ).body.items.length;
  const queueBanner = () => page.getByTestId('run-queue-banner');

  beforeAll(async () => {
    server = await startWebTestServer();
    const { app, keys, emails, passwords } = server.platform;
    const created = await sendJson<{ id: string }>(
      app,
      keys.advertiser,
      'POST',
      `/api/v1/cleanrooms/${ROOM}/runs`,
      {
        questionId: 'audience_overlap',
        parameters: { attribute: 'age_band' },
      },
    );
    completedRunId = created.body.id;
    await waitForRun(app, keys.advertiser, completedRunId, 60_000);

    browser = await launchChromium();
    page = await browser.context.newPage();
    await signIn(page, server.baseUrl, emails.advertiser, passwords.advertiser);
    await waitForServiceWorker(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('keeps lists, runs and results readable offline', async () => {
    await page.getByRole('link', { name: 'Clean rooms' }).click();
    await page.getByRole('listbox', { name: 'Clean rooms' }).getByRole('option').first().waitFor();
    await page.goto(`${server.baseUrl}/runs/${completedRunId}`);
    await page.getByTestId('result-table').waitFor();

    await browser.context.setOffline(true);
    await page.reload();
    await page.getByTestId('offline-banner').waitFor();
    await page.getByTestId('result-table').waitFor();
    await page.getByRole('link', { name: 'Clean rooms' }).click();
    await page.getByRole('listbox', { name: 'Clean rooms' }).getByRole('option').first().waitFor();

    // The push key cannot be checked offline, so no notification button shows that cannot work.
    await page.getByRole('link', { name: 'Runs', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
    await page.waitForTimeout(300);
    expect(await page.getByRole('button', { name: /Notify me/ }).count()).toBe(0);

    await page.goto(`${server.baseUrl}/cleanrooms/CR-000002`);
    const notCached = page.getByTestId('query-error');
    await notCached.waitFor();
    expect(await notCached.textContent()).toContain('not available offline');
    expect(await notCached.textContent()).toContain('not opened before');

    const uncachedReachable = await evaluateInPage<boolean>(
      page,
      "fetch('/api/v1/system/status').then(() => true, () => false)",
    );
    expect(uncachedReachable).toBe(false);
    await browser.context.setOffline(false);
  });

  it('queues a run started offline and submits it online', async () => {
    await page.goto(`${server.baseUrl}/cleanrooms/${ROOM}/questions/audience_overlap/run`);
    await page.getByLabel(/Partner attribute/).selectOption('age_band');
    const before = await runCount();

    await browser.context.setOffline(true);
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByTestId('run-queued').waitFor();
    await queueBanner().waitFor();
    expect(await runCount()).toBe(before);

    await browser.context.setOffline(false);
    await queueBanner().waitFor({ state: 'detached', timeout: 30_000 });
    expect(await runCount()).toBe(before + 1);
  });

  it('submits a run queued on a page opened offline', async () => {
    await page.goto(`${server.baseUrl}/cleanrooms/${ROOM}/questions/audience_overlap/run`);
    await page.getByLabel(/Partner attribute/).waitFor();
    const before = await runCount();

    await browser.context.setOffline(true);
    await page.reload();
    await page.getByLabel(/Partner attribute/).selectOption('age_band');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByTestId('run-queued').waitFor();
    expect(await runCount()).toBe(before);

    await browser.context.setOffline(false);
    await queueBanner().waitFor({ state: 'detached', timeout: 30_000 });
    expect(await runCount()).toBe(before + 1);
  });

  it('submits two different runs queued from one form', async () => {
    await page.goto(`${server.baseUrl}/cleanrooms/${ROOM}/questions/audience_overlap/run`);
    const attribute = page.getByLabel(/Partner attribute/);
    await attribute.selectOption('age_band');
    const before = await runCount();

    await browser.context.setOffline(true);
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByTestId('run-queued').waitFor();
    await attribute.selectOption('region');
    await page.getByRole('button', { name: 'Start run' }).click();
    await queueBanner().filter({ hasText: '2 runs are queued' }).waitFor();

    await browser.context.setOffline(false);
    await queueBanner().waitFor({ state: 'detached', timeout: 30_000 });
    expect(await runCount()).toBe(before + 2);
    expect(await page.getByTestId('run-rejected-banner').count()).toBe(0);
    const runLink = page.getByTestId('run-queued-submitted').getByRole('link');
    expect(await runLink.getAttribute('href')).toMatch(/^\/runs\/.+/);
  });

  it('names a queued run the server rejected', async () => {
    await page.goto(`${server.baseUrl}/cleanrooms/${ROOM}/questions/audience_overlap/run`);
    await page.getByLabel(/Partner attribute/).selectOption('region');
    await browser.context.setOffline(true);
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByTestId('run-queued').waitFor();

    const conflict = {
      error: { code: 'CONFLICT', message: 'Idempotency key test-key was already used.' },
    };
    await browser.context.route(RUN_SUBMISSION_GLOB, (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 409,
            contentType: 'application/json',
            body: JSON.stringify(conflict),
          })
        : route.fallback(),
    );
    await browser.context.setOffline(false);
    await queueBanner().waitFor({ state: 'detached', timeout: 30_000 });
    await browser.context.unroute(RUN_SUBMISSION_GLOB);

    const rejected = page.getByTestId('run-rejected-banner');
    await rejected.waitFor();
    expect(await rejected.textContent()).toContain('audience_overlap (attribute: region)');
    expect(await rejected.textContent()).toContain(conflict.error.message);
    await page.getByTestId('run-queued-rejected').filter({ hasText: 'CONFLICT' }).waitFor();

    await rejected.getByRole('button', { name: 'Dismiss' }).click();
    await rejected.waitFor({ state: 'detached' });
  });

  it('keeps a submission answered 503 queued and tells the user', async () => {
    let rejectedSubmissions = 0;
    await browser.context.route(RUN_SUBMISSION_GLOB, async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      rejectedSubmissions += 1;
      return route.fulfill({ status: 503, contentType: 'application/json', body: '{}' });
    });
    await page.goto(`${server.baseUrl}/cleanrooms/${ROOM}/questions/audience_overlap/run`);
    await page.getByLabel(/Partner attribute/).selectOption('age_band');
    const before = await runCount();
    await page.getByRole('button', { name: 'Start run' }).click();

    await page.getByTestId('run-queued').waitFor();
    await queueBanner().filter({ hasText: 'HTTP 503' }).waitFor();
    await evaluateInPage(page, REPLAY_EXPRESSION);
    await expect.poll(() => rejectedSubmissions).toBeGreaterThanOrEqual(2);
    await queueBanner().filter({ hasText: 'HTTP 503' }).waitFor();
    expect(await runCount()).toBe(before);

    await browser.context.unroute(RUN_SUBMISSION_GLOB);
    await evaluateInPage(page, REPLAY_EXPRESSION);
    await queueBanner().waitFor({ state: 'detached', timeout: 30_000 });
    expect(await runCount()).toBe(before + 1);
  });

  describe('background sync', () => {
    let syncBrowser: ChromiumSession;
    let syncPage: Page;

    // A browser of its own: its worker has no sync registration left from the tests above, so
    // the first run it queues registers a new one, which Chromium fires at once while online.
    beforeAll(async () => {
      syncBrowser = await launchChromium();
      syncPage = await syncBrowser.context.newPage();
      const { emails, passwords } = server.platform;
      await signIn(syncPage, server.baseUrl, emails.advertiser, passwords.advertiser);
      await waitForServiceWorker(syncPage);
    }, 60_000);

    afterAll(async () => {
      await syncBrowser?.close();
    });

    it('submits a queued run on a sync event', async () => {
      const devTools = await attachServiceWorkerDevTools(syncPage, server.baseUrl);
      await syncBrowser.context.route(RUN_SUBMISSION_GLOB, (route) =>
        route.request().method() === 'POST'
          ? route.fulfill({ status: 503, contentType: 'application/json', body: '{}' })
          : route.fallback(),
      );
      await syncPage.goto(`${server.baseUrl}/cleanrooms/${ROOM}/questions/audience_overlap/run`);
      await syncPage.getByLabel(/Partner attribute/).selectOption('age_band');
      const before = await runCount();
      await syncPage.getByRole('button', { name: 'Start run' }).click();
      await syncPage.getByTestId('run-queued').waitFor();

      // Chromium's own sync fails on the 503, and Chromium then waits minutes before its
      // next try, so no sync of its own comes between the unroute and the one fired below.
      const failedSync = () => devTools.syncEvents.find(({ name }) => name === 'sync event failed');
      await expect.poll(failedSync).toBeDefined();
      const retryDelayMs = Number(failedSync()?.metadata['Next Attempt Delay (ms)']);
      expect(retryDelayMs).toBeGreaterThanOrEqual(60_000);
      await syncBrowser.context.unroute(RUN_SUBMISSION_GLOB);
      expect(await runCount()).toBe(before);

      await devTools.dispatchSync(RUN_QUEUE_SYNC_TAG);
      const submitted = syncPage.getByTestId('run-queued-submitted');
      await submitted.waitFor({ timeout: 30_000 });
      await syncPage.getByTestId('run-queue-banner').waitFor({ state: 'detached' });
      expect(await runCount()).toBe(before + 1);
      expect(await submitted.getByRole('link').getAttribute('href')).toMatch(/^\/runs\/.+/);
      await devTools.detach();
    });
  });
});
