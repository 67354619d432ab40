import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type ChromiumSession } from './support/chromium.ts';
import {
  evaluateInPage,
  readCspViolations,
  signIn,
  watchCspViolations,
} from './support/page-helpers.ts';
import { startWebTestServer, type WebTestServer } from './support/web-test-server.ts';

const PHONE_WIDTH_PX = 375;

describe('web app pages', () => {
  let server: WebTestServer;
  let browser: ChromiumSession;
  let page: Page;
  let consoleCspReports: string[];

  beforeAll(async () => {
    server = await startWebTestServer();
    browser = await launchChromium();
    consoleCspReports = await watchCspViolations(browser.context);
    page = await browser.context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in with the demo credentials', async () => {
    const { emails, passwords } = server.platform;
    await signIn(page, server.baseUrl, emails.advertiser, passwords.advertiser);

    await expect(page.getByText('Northwind Outfitters').first().isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { name: 'Assistant' }).isVisible()).resolves.toBe(true);
  });

  it('requests the session once per load', async () => {
    const sessionRequests: string[] = [];
    const record = (request: Request) => {
      if (new URL(request.url()).pathname === '/api/v1/auth/session') {
        sessionRequests.push(request.url());
      }
    };
    page.on('request', record);
    await page.reload();
    await page.getByRole('heading', { name: 'Assistant' }).waitFor();
    page.off('request', record);

    // One request: the app's fetch reuses the response of the preload link in index.html.
    expect(sessionRequests).toHaveLength(1);
    const initiators = await evaluateInPage<string[]>(
      page,
      "performance.getEntriesByType('resource').filter((entry) => entry.name.endsWith('/api/v1/auth/session')).map((entry) => entry.initiatorType)",
    );
    expect(initiators).toEqual(['link']);
  });

  it('rejects a wrong password with the server message', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill(server.platform.emails.advertiser);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).not.toBe('');
    await signIn(
      page,
      server.baseUrl,
      server.platform.emails.advertiser,
      server.platform.passwords.advertiser,
    );
  });

  it('lists clean rooms and opens one', async () => {
    await page.getByRole('link', { name: 'Clean rooms' }).click();
    const list = page.getByRole('listbox', { name: 'Clean rooms' });
    await list.waitFor();
    expect(await list.getByRole('option').count()).toBeGreaterThan(0);

    await list.getByRole('option').first().click();
    await page.getByRole('heading', { name: 'Partners' }).waitFor();
    await page.getByRole('heading', { name: 'Questions' }).waitFor();
    await page.getByRole('link', { name: /^Run / }).first().waitFor();
  });

  it('starts a run from the form and shows its results', async () => {
    // CR-000001 pairs the advertiser with the publisher, whose audience has an age_band column.
    await page.goto(`${server.baseUrl}/cleanrooms/CR-000001`);
    await page
      .getByRole('link', { name: /^Run Audience overlap/i })
      .first()
      .click();
    await page.getByLabel(/Partner attribute/).fill('age_band');
    await page.getByRole('button', { name: 'Start run' }).click();

    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/, { waitUntil: 'commit' });
    await page
      .getByTestId('run-status')
      .filter({ hasText: 'COMPLETED' })
      .waitFor({ timeout: 60_000 });
    await page.getByTestId('result-table').waitFor();
    await page.locator('.result-chart canvas').first().waitFor();
    expect(await page.getByTestId('result-table').locator('tbody tr').count()).toBeGreaterThan(0);
  });

  it('shows the system status from the server', async () => {
    await page.getByRole('link', { name: 'System status' }).click();
    const table = page.getByTestId('status-table');
    await table.waitFor();

    const text = await table.textContent();
    expect(text).toContain('database');
    expect(text).toContain('postgres');
  });

  it('streams a chat answer that starts a run', async () => {
    await page.getByRole('link', { name: 'Chat' }).click();
    const input = page.getByLabel('Message');
    await input.fill('What is the audience overlap with the publisher by age band?');
    await input.press('Enter');

    const answer = page.getByTestId('assistant-message').last();
    await answer.waitFor({ timeout: 30_000 });
    await answer.locator('.evidence-card').first().waitFor({ timeout: 60_000 });
    await answer
      .getByTestId('evidence-status')
      .filter({ hasText: 'COMPLETED' })
      .first()
      .waitFor({ timeout: 60_000 });
    expect((await answer.locator('.markdown').first().textContent())?.length ?? 0).toBeGreaterThan(
      0,
    );
  });

  it('keeps keyboard focus in the chat input after sending', async () => {
    const input = page.getByLabel('Message');
    await input.focus();
    await page.keyboard.type('Which clean rooms can I use?');
    await page.keyboard.press('Enter');

    expect(await evaluateInPage(page, 'document.activeElement?.id')).toBe('chat-input');
  });

  it('moves through the clean room list with the keyboard', async () => {
    await page.getByRole('link', { name: 'Clean rooms' }).click();
    const list = page.getByRole('listbox', { name: 'Clean rooms' });
    await list.waitFor();
    await list.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');

    await page.waitForURL(/\/cleanrooms\/[0-9a-f-]{36}$/, { waitUntil: 'commit' });
    await page.getByRole('heading', { name: 'Partners' }).waitFor();
  });

  it('fits a 375 px phone screen without horizontal scrolling', async () => {
    await page.setViewportSize({ width: PHONE_WIDTH_PX, height: 800 });
    for (const path of ['/', '/cleanrooms', '/datasets', '/runs', '/status']) {
      await page.goto(`${server.baseUrl}${path}`);
      await page.getByRole('main').waitFor();
      await page.waitForLoadState('networkidle');
      const scrollWidth = await evaluateInPage<number>(
        page,
        'document.documentElement.scrollWidth',
      );
      expect(scrollWidth, `page ${path}`).toBeLessThanOrEqual(PHONE_WIDTH_PX);
    }
  });

  it('reports no CSP violations', async () => {
    expect(await readCspViolations(page)).toEqual([]);
    expect(consoleCspReports).toEqual([]);
  });
});
