import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson } from '../support/api-helpers.ts';
import { seedBulkCleanRooms } from '../../src/services/clean-rooms/seed-bulk-clean-rooms.ts';
import { launchChromium, type ChromiumSession } from './support/chromium.ts';
import { evaluateInPage, signIn } from './support/page-helpers.ts';
import { startWebTestServer, type WebTestServer } from './support/web-test-server.ts';

const BULK_ROOMS = 100_000;
/** DOM rows the virtual list may render at once; the benchmark target for a 100k list. */
const MAX_DOM_ROWS = 60;
const SCROLL_STEPS = 40;

/** Scrolls `list` by three screens per frame, SCROLL_STEPS times, and returns the maximum number of rows it rendered. */
async function scrollAndCountRows(page: Page, list: Locator): Promise<number> {
  let maxRows = 0;
  for (let step = 0; step < SCROLL_STEPS; step++) {
    await list.evaluate((element) => element.scrollBy(0, element.clientHeight * 3));
    await evaluateInPage(page, 'new Promise((resolve) => requestAnimationFrame(resolve))');
    maxRows = Math.max(maxRows, await list.getByRole('option').count());
  }
  return maxRows;
}

describe('clean room list at 100,000 rooms', () => {
  let server: WebTestServer;
  let browser: ChromiumSession;
  let page: Page;

  const list = () => page.getByRole('listbox', { name: 'Clean rooms' });

  beforeAll(async () => {
    server = await startWebTestServer();
    await seedBulkCleanRooms(server.platform.platform.context.db, {
      organizationName: 'Northwind Outfitters',
      count: BULK_ROOMS,
    });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await signIn(
      page,
      server.baseUrl,
      server.platform.emails.advertiser,
      server.platform.passwords.advertiser,
    );
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('scrolls with a bounded number of DOM rows', async () => {
    await page.getByRole('link', { name: 'Clean rooms' }).click();
    await list().getByRole('option').first().waitFor();

    const maxRows = await scrollAndCountRows(page, list());
    const lastIndex = await list().getByRole('option').last().getAttribute('data-index');

    expect(maxRows).toBeGreaterThan(0);
    expect(maxRows).toBeLessThanOrEqual(MAX_DOM_ROWS);
    expect(Number(lastIndex)).toBeGreaterThan(200);
  });

  it('searches on the server', async () => {
    await page.getByRole('searchbox', { name: 'Search' }).fill('Loyalty');
    await page.waitForResponse((response) => response.url().includes('search=Loyalty'));
    await list().getByRole('option').first().waitFor();

    const titles = await list().locator('.row-title').allTextContents();
    expect(titles.length).toBeGreaterThan(0);
    for (const title of titles) expect(title.toLowerCase()).toContain('loyalty');
  });

  it('keeps the filters after opening a room and going back', async () => {
    await page.getByLabel('Status').selectOption('ACTIVE');
    await expect.poll(() => new URL(page.url()).searchParams.get('status')).toBe('ACTIVE');
    expect(new URL(page.url()).searchParams.get('q')).toBe('Loyalty');

    await list().getByRole('option').first().click();
    await page.getByRole('heading', { name: 'Partners' }).waitFor();
    await page.goBack();

    await list().getByRole('option').first().waitFor();
    expect(await page.getByRole('searchbox', { name: 'Search' }).inputValue()).toBe('Loyalty');
    expect(await page.getByLabel('Status').inputValue()).toBe('ACTIVE');
    const titles = await list().locator('.row-title').allTextContents();
    for (const title of titles) expect(title.toLowerCase()).toContain('loyalty');
  });

  it('keeps the filters on the link back from a room', async () => {
    await list().getByRole('option').first().click();
    await page.getByRole('link', { name: '← Clean rooms' }).click();

    await list().getByRole('option').first().waitFor();
    expect(await page.getByRole('searchbox', { name: 'Search' }).inputValue()).toBe('Loyalty');
    expect(await page.getByLabel('Status').inputValue()).toBe('ACTIVE');
  });
});

const BULK_RUNS = 100_000;

/** Copies one run BULK_RUNS times with distinct names, campaigns and submission times. */
const BULK_RUNS_SQL = `
  INSERT INTO question_runs (id, clean_room_id, question_id, organization_id, user_id, name, status,
                             progress, parameters, dataset_bindings, privacy, submitted_at)
  SELECT gen_random_uuid(), r.clean_room_id, r.question_id, r.organization_id, r.user_id,
         'Bulk run ' || g, 'COMPLETED', 100,
         r.parameters || jsonb_build_object('campaign_ids', jsonb_build_array('CMP-' || g)),
         r.dataset_bindings, r.privacy, r.submitted_at - make_interval(secs => g)
    FROM question_runs r, generate_series(1, $2::int) AS g
   WHERE r.id = $1`;

describe('run list at 100,000 runs', () => {
  let server: WebTestServer;
  let browser: ChromiumSession;
  let page: Page;

  const list = () => page.getByRole('listbox', { name: 'Runs' });

  beforeAll(async () => {
    server = await startWebTestServer({ startWorker: false });
    const { app, keys } = server.platform;
    const created = await sendJson<{ id: string }>(
      app,
      keys.advertiser,
      'POST',
      '/api/v1/cleanrooms/CR-000001/runs',
      {
        questionId: 'reach_frequency',
        parameters: { date_start: '2026-11-01', date_end: '2026-11-30' },
      },
    );
    await server.platform.platform.context.db.query(BULK_RUNS_SQL, [created.body.id, BULK_RUNS]);
    browser = await launchChromium();
    page = await browser.context.newPage();
    await signIn(
      page,
      server.baseUrl,
      server.platform.emails.advertiser,
      server.platform.passwords.advertiser,
    );
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('scrolls summaries with bounded DOM rows', async () => {
    await page.getByRole('link', { name: 'Runs' }).click();
    await list().getByRole('option').first().waitFor();

    const maxRows = await scrollAndCountRows(page, list());
    const last = list().getByRole('option').last();
    const lastIndex = await last.getAttribute('data-index');
    const summary = await last.getByTestId('run-row-summary').textContent();

    expect(maxRows).toBeGreaterThan(0);
    expect(maxRows).toBeLessThanOrEqual(MAX_DOM_ROWS);
    expect(Number(lastIndex)).toBeGreaterThan(200);
    expect(summary).toMatch(
      /^CR-000001 · First day 2026-11-01 · Last day 2026-11-30 · Campaigns CMP-\d+$/,
    );
  });
});
