import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type ChromiumSession } from './support/chromium.ts';
import { evaluateInPage, signIn } from './support/page-helpers.ts';
import { startWebTestServer, type WebTestServer } from './support/web-test-server.ts';

const REACH_FORM_PATH = '/cleanrooms/CR-000001/questions/reach_frequency/run';

describe('run parameters in the web app', () => {
  let server: WebTestServer;
  let browser: ChromiumSession;
  let page: Page;

  const campaigns = () => page.getByLabel(/^Campaigns/);

  /** Opens the reach and frequency form with the demo's 30 days of exposures. */
  async function openReachForm(): Promise<void> {
    await page.goto(`${server.baseUrl}${REACH_FORM_PATH}`);
    await page.getByLabel(/First day/).fill('2026-11-01');
    await page.getByLabel(/Last day/).fill('2026-11-30');
  }

  beforeAll(async () => {
    server = await startWebTestServer();
    browser = await launchChromium();
    page = await browser.context.newPage();
    const { emails, passwords } = server.platform;
    await signIn(page, server.baseUrl, emails.advertiser, passwords.advertiser);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  describe('run form', () => {
    it('says commas separate list values', async () => {
      await openReachForm();

      const label = await page.locator('label[for="parameter-campaign_ids"]').textContent();
      expect(label).toContain('separated by commas');
      const hint = await page.locator('#parameter-campaign_ids-hint').textContent();
      expect(hint).toContain('separated by commas (for example CMP-001, CMP-002)');
      expect(await campaigns().getAttribute('placeholder')).toBe('value 1, value 2');
    });

    it('keeps commas as they are typed', async () => {
      await openReachForm();
      await campaigns().pressSequentially('CMP-001, CMP-002');

      expect(await campaigns().inputValue()).toBe('CMP-001, CMP-002');
      await page.getByRole('button', { name: 'Preview suppressed rows' }).click();
      const preview = page.getByTestId('run-preview');
      await preview.waitFor();
      expect(await preview.textContent()).toContain('2 segments may pass');
      expect(await page.getByTestId('preview-unmatched').count()).toBe(0);
    });

    it('marks a semicolon list on the field', async () => {
      await openReachForm();
      await campaigns().fill('CMP-001; CMP-002');
      await page.getByRole('button', { name: 'Preview suppressed rows' }).click();
      const fieldError = page.locator('#parameter-campaign_ids-error');
      await fieldError.waitFor();

      expect(await fieldError.textContent()).toBe(
        'Separate values with commas, not ";": enter CMP-001, CMP-002.',
      );
      expect(await campaigns().getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByTestId('run-form-error').textContent()).toContain('Check Campaigns');
      expect(await evaluateInPage(page, 'document.activeElement?.id')).toBe(
        'parameter-campaign_ids',
      );
      expect(await page.getByTestId('run-preview').count()).toBe(0);
    });

    it('names an unknown campaign in the preview', async () => {
      await openReachForm();
      await campaigns().fill('CMP-001, CMP-999');
      await page.getByRole('button', { name: 'Preview suppressed rows' }).click();
      const unmatched = page.getByTestId('preview-unmatched');
      await unmatched.waitFor();

      expect(await unmatched.textContent()).toContain('Value "CMP-999" of Campaigns');
      expect(await unmatched.textContent()).toContain('cannot reach the crowd size of 50');
      expect(await page.getByTestId('run-preview').textContent()).toContain('1 segment may pass');
    });
  });

  describe('run page', () => {
    let runPath: string;

    beforeAll(async () => {
      await openReachForm();
      await campaigns().fill('not a campaign');
      await page.getByRole('button', { name: 'Start run' }).click();
      await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/, { waitUntil: 'commit' });
      runPath = new URL(page.url()).pathname;
      await page
        .getByTestId('run-status')
        .filter({ hasText: 'COMPLETED' })
        .waitFor({ timeout: 60_000 });
    }, 90_000);

    it('shows the clean room and question', async () => {
      const facts = page.getByTestId('run-facts');

      const cleanRoom = facts.getByRole('link', { name: /^CR-000001 · / });
      expect(await cleanRoom.count()).toBe(1);
      expect(await facts.textContent()).toContain('Reach and frequency');
      await expect
        .poll(() => page.title())
        .toMatch(/^Run Reach and frequency .+ - Cleanroom Copilot$/);
    });

    it('labels the parameters', async () => {
      const parameters = page.getByTestId('run-parameters');
      const terms = await parameters.locator('dt').allTextContents();
      const values = await parameters.locator('dd').allTextContents();

      expect(terms).toEqual(['First day', 'Last day', 'Campaigns']);
      expect(values).toEqual(['2026-11-01', '2026-11-30', 'not a campaign']);
    });

    it('names the datasets and owners', async () => {
      const datasets = await page.getByTestId('run-datasets').locator('li').allTextContents();

      expect(datasets).toHaveLength(2);
      expect(datasets[0]).toMatch(/^@exposures: Publisher ad exposures \(Daily Ledger/);
      expect(datasets[1]).toMatch(/^@my_audience: .+ \(Northwind/);
    });

    it('explains a result without rows', async () => {
      const empty = page.getByTestId('empty-result');
      await empty.waitFor();

      expect(await empty.textContent()).toContain('This run released no rows.');
      expect(await empty.textContent()).toContain(
        'Nothing could be released for the requested values, as the note above explains.',
      );
      expect(await empty.textContent()).not.toContain('suppressed');
      expect(await page.getByTestId('result-table').count()).toBe(0);
      expect(await page.getByTestId('unmatched-values').textContent()).toContain(
        'Value "not a campaign" of Campaigns released no rows',
      );
    });

    /** Shows the run with its result changed by `changes`, and returns the empty-result text. */
    async function emptyResultTextWith(changes: Record<string, unknown>): Promise<string | null> {
      // The context routes the service worker's requests too.
      const resultsUrl = `**/api/v1${runPath}/results*`;
      await browser.context.route(resultsUrl, async (route) => {
        const response = await route.fetch();
        const result = (await response.json()) as Record<string, unknown>;
        await route.fulfill({ response, json: { ...result, ...changes } });
      });

      try {
        await page.goto(`${server.baseUrl}${runPath}`);
        const empty = page.getByTestId('empty-result');
        await empty.waitFor();
        return await empty.textContent();
      } finally {
        await browser.context.unroute(resultsUrl);
      }
    }

    it('explains a result with every row suppressed', async () => {
      const text = await emptyResultTextWith({ suppressedRowCount: 4, unmatchedValues: null });

      expect(text).toContain(
        'All 4 rows counted fewer people than the crowd size of 50, so they were suppressed.',
      );
    });

    it('explains a result whose one row was suppressed', async () => {
      const text = await emptyResultTextWith({ suppressedRowCount: 1, unmatchedValues: null });

      expect(text).toContain(
        'Its only row counted fewer people than the crowd size of 50, so it was suppressed.',
      );
    });

    it('explains a result without matching data', async () => {
      const text = await emptyResultTextWith({ suppressedRowCount: 0, unmatchedValues: null });

      expect(text).toContain('The question found no matching data for these parameters');
    });

    it('summarizes the parameters in the runs list', async () => {
      await page.getByRole('link', { name: '← Runs' }).click();
      const list = page.getByRole('listbox', { name: 'Runs' });
      const row = list.getByRole('option').filter({ hasText: 'not a campaign' });
      await row.waitFor();

      expect(await row.getByTestId('run-row-summary').textContent()).toBe(
        'CR-000001 · First day 2026-11-01 · Last day 2026-11-30 · Campaigns not a campaign',
      );
      await row.click();
      await page.waitForURL(`**${runPath}`);
    });
  });
});
