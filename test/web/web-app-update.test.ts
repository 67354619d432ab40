import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type ChromiumSession } from './support/chromium.ts';
import { evaluateInPage, signIn, waitForServiceWorker } from './support/page-helpers.ts';
import { startWebTestServer, type WebTestServer } from './support/web-test-server.ts';

describe('web app update after a deploy', () => {
  let server: WebTestServer;
  let browser: ChromiumSession;
  let page: Page;

  beforeAll(async () => {
    server = await startWebTestServer({ buildId: 'build-1' });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await signIn(
      page,
      server.baseUrl,
      server.platform.emails.advertiser,
      server.platform.passwords.advertiser,
    );
    await waitForServiceWorker(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('prompts for the update and reloads onto the new build', async () => {
    expect(await page.getByTestId('build-id').textContent()).toBe('build-1');

    await server.deploy('build-2');
    // The app checks for a new service worker every 15 minutes; the test runs the check at once.
    await evaluateInPage(
      page,
      'navigator.serviceWorker.getRegistration().then((registration) => registration?.update())',
    );
    await page.getByTestId('update-banner').waitFor({ timeout: 30_000 });
    await page.getByTestId('update-banner').getByRole('button', { name: 'Reload' }).click();

    await page.getByTestId('build-id').filter({ hasText: 'build-2' }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('update-banner').count()).toBe(0);
  });

  it('serves the new index.html on the next navigation', async () => {
    await server.deploy('build-3');
    await page.goto(`${server.baseUrl}/runs`);

    await page.getByTestId('build-id').filter({ hasText: 'build-3' }).waitFor();
  });
});
