import { readFile } from 'node:fs/promises';
import type { Page, Request, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, sendJson, waitForRun } from '../support/api-helpers.ts';
import { launchChromium, type ChromiumSession } from './support/chromium.ts';
import {
  evaluateInPage,
  headerLineCounts,
  readCspViolations,
  signIn,
  watchCspViolations,
  waitForSignedInApp,
} from './support/page-helpers.ts';
import { startWebTestServer, type WebTestServer } from './support/web-test-server.ts';

const PHONE_WIDTH_PX = 375;
/** Playwright's default viewport, which the tests return to after changing it. */
const DESKTOP_VIEWPORT = { width: 1280, height: 720 };
const UUID_PATTERN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/** Matches the results of any run, also when the service worker fetches them. */
const RESULTS_URL = '**/api/v1/runs/*/results*';
/** Failed sign-ins per email before the server throttles it (LOGIN_MAX_FAILURES_PER_EMAIL's default). */
const MAX_FAILURES_PER_EMAIL = 5;

/**
 * Records the text uPlot draws on each canvas since its last full clear, as
 * canvas.drawnTexts, so a test can read axis labels that are not in the DOM.
 * canvas.drawnBoxes has each text's ink box in canvas pixels, after the
 * rotation uPlot draws axis titles and slanted labels with. Text, because it
 * runs in the page.
 */
const CANVAS_TEXT_RECORDER = `
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  const clearRect = CanvasRenderingContext2D.prototype.clearRect;
  const inkBox = (context, text, x, y) => {
    const metrics = context.measureText(text);
    const transform = context.getTransform();
    const corners = [
      [x - metrics.actualBoundingBoxLeft, y - metrics.actualBoundingBoxAscent],
      [x + metrics.actualBoundingBoxRight, y - metrics.actualBoundingBoxAscent],
      [x - metrics.actualBoundingBoxLeft, y + metrics.actualBoundingBoxDescent],
      [x + metrics.actualBoundingBoxRight, y + metrics.actualBoundingBoxDescent],
    ].map(([cornerX, cornerY]) => transform.transformPoint({ x: cornerX, y: cornerY }));
    const xs = corners.map((corner) => corner.x);
    const ys = corners.map((corner) => corner.y);
    return { text, left: Math.min(...xs), right: Math.max(...xs), top: Math.min(...ys), bottom: Math.max(...ys) };
  };
  CanvasRenderingContext2D.prototype.clearRect = function (x, y, width, height) {
    if (x === 0 && y === 0 && width >= this.canvas.width && height >= this.canvas.height) {
      this.canvas.drawnTexts = [];
      this.canvas.drawnBoxes = [];
    }
    return clearRect.call(this, x, y, width, height);
  };
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
    (this.canvas.drawnTexts ??= []).push(String(text));
    (this.canvas.drawnBoxes ??= []).push(inkBox(this, String(text), x, y));
    return fillText.call(this, text, x, y, ...rest);
  };
`;

/** Ink box (canvas pixels) of a text drawn on a chart canvas. */
interface DrawnBox {
  text: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function overlaps(first: DrawnBox, second: DrawnBox): boolean {
  return (
    first.left < second.right &&
    second.left < first.right &&
    first.top < second.bottom &&
    second.top < first.bottom
  );
}

/** Counts the significant digits of a number as JavaScript writes it: 17 for 0.30000000000000004. */
function significantDigits(value: number): number {
  const [mantissa = ''] = Math.abs(value).toExponential().split('e');
  return mantissa.replace('.', '').length;
}

/** Multiplies every count and index of a result response, so its tick labels get wide. */
async function widenResultNumbers(route: Route): Promise<void> {
  const response = await route.fetch();
  const result = (await response.json()) as {
    columns: { name: string }[];
    rows: (string | number | null)[][];
  };
  const rows = result.rows.map((row) =>
    row.map((value, index) =>
      typeof value === 'number' && !result.columns[index]?.name.endsWith('_rate')
        ? value * 1_000_000
        : value,
    ),
  );
  await route.fulfill({ response, json: { ...result, rows } });
}

describe('web app pages', () => {
  let server: WebTestServer;
  let browser: ChromiumSession;
  let page: Page;
  let consoleCspReports: string[];
  /** A completed audience_overlap run by age band, started over the API for the result page tests. */
  let completedRunPath: string;

  const runCount = async () =>
    (
      await getJson<{ items: unknown[] }>(
        server.platform.app,
        server.platform.keys.advertiser,
        '/api/v1/runs?limit=500',
      )
    ).body.items.length;

  beforeAll(async () => {
    server = await startWebTestServer();
    browser = await launchChromium();
    consoleCspReports = await watchCspViolations(browser.context);
    await browser.context.addInitScript({ content: CANVAS_TEXT_RECORDER });
    page = await browser.context.newPage();

    const { app, keys } = server.platform;
    const created = await sendJson<{ id: string }>(
      app,
      keys.advertiser,
      'POST',
      '/api/v1/cleanrooms/CR-000001/runs',
      { questionId: 'audience_overlap', parameters: { attribute: 'age_band' } },
    );
    await waitForRun(app, keys.advertiser, created.body.id, 60_000);
    completedRunPath = `/runs/${created.body.id}`;
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

  it('focuses the landing heading after sign-in', async () => {
    await expect
      .poll(() => evaluateInPage<string | null>(page, 'document.activeElement?.tagName ?? null'))
      .toBe('H1');
    expect(await evaluateInPage(page, 'document.activeElement.textContent')).toBe('Assistant');
  });

  it('lays out the shell like the app', async () => {
    const response = await browser.context.request.get(`${server.baseUrl}/`, {
      headers: { accept: 'text/html' },
    });
    const html = await response.text();
    // The HTML without its scripts: what the browser paints while they load.
    const shellPage = await browser.context.newPage();
    await shellPage.setViewportSize(DESKTOP_VIEWPORT);
    await shellPage.setContent(html.replace(/<script\b[^>]*><\/script>/g, ''));
    await page.setViewportSize(DESKTOP_VIEWPORT);
    await waitForSignedInApp(page);

    const layout = async (on: Page) => {
      const parts = [
        on.getByRole('heading', { name: 'Assistant' }),
        ...(await on.locator('.suggestions button').all()),
        on.getByLabel('Message'),
        on.getByRole('banner'),
      ];
      return Promise.all(
        parts.map(async (part) => ({
          text: await part.textContent(),
          box: await part.boundingBox(),
        })),
      );
    };
    const [shell, app] = [await layout(shellPage), await layout(page)];
    await shellPage.close();

    expect(shell.length).toBeGreaterThan(3);
    expect(shell.map(({ box }) => box)).toEqual(app.map(({ box }) => box));
    expect(shell.slice(0, -1).map(({ text }) => text)).toEqual(
      app.slice(0, -1).map(({ text }) => text),
    );
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
    await waitForSignedInApp(page);
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
    // The page moves focus in an effect, which can run a frame after the alert renders.
    await expect
      .poll(() => evaluateInPage<string | undefined>(page, 'document.activeElement?.id'))
      .toBe('password');
    expect(await page.title()).toBe('Sign in - Cleanroom Copilot');
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

    expect(await page.title()).toBe('Clean rooms - Cleanroom Copilot');

    await list.getByRole('option').first().click();
    await page.getByRole('heading', { name: 'Partners' }).waitFor();
    await page.getByRole('heading', { name: 'Questions' }).waitFor();
    await page.getByRole('link', { name: /^Run / }).first().waitFor();
    expect(await page.getByTestId('room-description').textContent()).not.toBe('');
    // The list links rooms by UUID; the title names the room by its display id once loaded.
    await expect.poll(() => page.title()).toMatch(/^Clean room CR-\d{6} - Cleanroom Copilot$/);
  });

  it('links back from an unknown page', async () => {
    await page.goto(`${server.baseUrl}/nosuchpage`);
    const notFound = page.getByTestId('page-not-found');
    await notFound.waitFor();

    await notFound.getByRole('link', { name: 'your clean rooms' }).click();
    await page.getByRole('listbox', { name: 'Clean rooms' }).waitFor();
  });

  it('reads an unknown clean room once', async () => {
    const reads: string[] = [];
    const record = (request: Request) => {
      if (new URL(request.url()).pathname === '/api/v1/cleanrooms/CR-999999')
        reads.push(request.url());
    };
    page.on('request', record);
    await page.goto(`${server.baseUrl}/cleanrooms/CR-999999`);
    await page.getByTestId('query-error').first().waitFor();
    // TanStack Query waits 1 s before its first retry, so a retry would have been sent by now.
    await page.waitForTimeout(1500);
    page.off('request', record);

    expect(reads).toHaveLength(1);
  });

  it('shows partners by name and role', async () => {
    await page.goto(`${server.baseUrl}/cleanrooms/CR-000001`);
    const table = page.getByTestId('partner-table');
    await table.waitFor();

    const rows = (await table.locator('tbody tr').allInnerTexts()).map((row) => row.split('\t'));
    expect(rows).toEqual([
      ['Northwind Outfitters', 'OWNER', 'ADVERTISER', 'ACCEPTED'],
      ['Daily Ledger Media', 'ANALYST', 'PUBLISHER', 'ACCEPTED'],
    ]);
    expect(await table.innerText()).not.toMatch(UUID_PATTERN);

    const partners = await getJson<{ items: { name: string; partnerOrganizationId: string }[] }>(
      server.platform.app,
      server.platform.keys.advertiser,
      '/api/v1/cleanrooms/CR-000001/partners',
    );
    const publisher = partners.body.items.find((partner) => partner.name === 'Daily Ledger Media');
    const nameCell = table.getByRole('rowheader', { name: 'Daily Ledger Media' });
    expect(await nameCell.getAttribute('title')).toBe(
      `Organization id ${publisher?.partnerOrganizationId}`,
    );
  });

  it('starts a run from the form and shows its results', async () => {
    // CR-000001 pairs the advertiser with the publisher, whose audience has an age_band column.
    await page.goto(`${server.baseUrl}/cleanrooms/CR-000001`);
    await page
      .getByRole('link', { name: /^Run Audience overlap/i })
      .first()
      .click();
    await page.getByLabel(/Partner attribute/).selectOption('age_band');
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

  it('rereads a run after subscribing', async () => {
    const { app, keys } = server.platform;
    const runPage = await browser.context.newPage();
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Holds the page's run subscription until the run has finished, so no run event reaches it.
    await runPage.routeWebSocket(/\/ws$/, (route) => {
      const toServer = route.connectToServer();
      route.onMessage((message) => {
        if (!String(message).includes('"subscribe_runs"')) toServer.send(message);
        else void released.then(() => toServer.send(message));
      });
    });
    const created = await sendJson<{ id: string }>(
      app,
      keys.advertiser,
      'POST',
      '/api/v1/cleanrooms/CR-000001/runs',
      { questionId: 'audience_overlap', parameters: { attribute: 'region' } },
    );
    // The page's first read reports the run as running, as a read made just before it finished would.
    // On the context, not the page, because the service worker makes the page's API requests.
    let reads = 0;
    const runUrl = `**/api/v1/runs/${created.body.id}`;
    await browser.context.route(runUrl, async (route) => {
      const response = await route.fetch();
      reads += 1;
      if (reads > 1) return route.fulfill({ response });
      const run = (await response.json()) as Record<string, unknown>;
      return route.fulfill({ response, json: { ...run, status: 'RUNNING', progress: 50 } });
    });

    try {
      await runPage.goto(`${server.baseUrl}/runs/${created.body.id}`);
      await runPage.getByTestId('run-status').filter({ hasText: 'RUNNING' }).waitFor();
      await waitForRun(app, keys.advertiser, created.body.id, 60_000);
      release();

      await runPage.getByTestId('run-status').filter({ hasText: 'COMPLETED' }).waitFor();
      expect(reads).toBeGreaterThan(1);
    } finally {
      release();
      await browser.context.unroute(runUrl);
      await runPage.close();
    }
  });

  it('charts each unit on its own axis with each category once', async () => {
    await page.goto(`${server.baseUrl}${completedRunPath}`);
    await page.getByTestId('result-table').waitFor();
    const charts = page.locator('.result-chart');
    await expect.poll(() => charts.count()).toBe(3);
    expect(await charts.evaluateAll((nodes) => nodes.map((node) => node.dataset.unit))).toEqual([
      'count',
      'share',
      'index',
    ]);
    const legendOf = (unit: string) =>
      page.locator(`.result-chart[data-unit="${unit}"] .u-legend`).textContent();
    expect(await legendOf('count')).toContain('overlap_count');
    expect(await legendOf('count')).toContain('partner_count');
    expect(await legendOf('count')).not.toContain('overlap_rate');
    expect(await legendOf('share')).toContain('overlap_rate');
    expect(await legendOf('index')).toContain('index');

    const categories = await page
      .getByTestId('result-table')
      .locator('tbody tr td:first-child')
      .allTextContents();
    const drawnTexts = (unit: string) =>
      page
        .locator(`.result-chart[data-unit="${unit}"] canvas`)
        .first()
        .evaluate((canvas) => (canvas as { drawnTexts?: string[] }).drawnTexts);
    await expect.poll(async () => (await drawnTexts('count'))?.length ?? 0).toBeGreaterThan(0);
    for (const unit of ['count', 'share', 'index']) {
      const texts = (await drawnTexts(unit)) ?? [];
      for (const category of categories) {
        expect(
          texts.filter((text) => text === category),
          `${unit} label ${category}`,
        ).toHaveLength(1);
      }
    }
    const shareTicks = (await drawnTexts('share'))?.filter((text) => /^[\d.,]+%$/.test(text));
    expect(shareTicks?.length).toBeGreaterThan(0);
    expect((await drawnTexts('count'))?.some((text) => text.endsWith('%'))).toBe(false);
  });

  it('keeps axis titles clear of tick labels', async () => {
    const titles = new Set(['Count', 'Share (%)', 'Index (100 = average)', 'attribute_value']);
    await browser.context.route(RESULTS_URL, widenResultNumbers);
    try {
      for (const width of [DESKTOP_VIEWPORT.width, PHONE_WIDTH_PX]) {
        await page.setViewportSize({ width, height: 800 });
        await page.goto(`${server.baseUrl}${completedRunPath}`);
        const canvases = page.locator('.result-chart canvas');
        await expect.poll(() => canvases.count()).toBe(3);
        const drawing = (index: number) =>
          canvases.nth(index).evaluate((canvas) => {
            const drawn = canvas as unknown as { width: number; height: number };
            const boxes = (canvas as { drawnBoxes?: DrawnBox[] }).drawnBoxes ?? [];
            return { width: drawn.width, height: drawn.height, boxes };
          });
        // Counts times a million, such as 4,000,000,000, are the widest tick labels.
        await expect
          .poll(async () => (await drawing(0)).boxes.some((box) => box.text.endsWith(',000,000')))
          .toBe(true);

        for (let index = 0; index < 3; index++) {
          const { boxes, ...canvas } = await drawing(index);
          const titleBoxes = boxes.filter((box) => titles.has(box.text));
          expect(titleBoxes, `titles of chart ${index} at ${width} px`).toHaveLength(2);
          for (const title of titleBoxes) {
            const where = `${title.text} at ${width} px`;
            for (const other of boxes.filter((box) => box !== title))
              expect(overlaps(title, other), `${where} covers ${other.text}`).toBe(false);
            expect(title.left, where).toBeGreaterThanOrEqual(0);
            expect(title.top, where).toBeGreaterThanOrEqual(0);
            expect(title.right, where).toBeLessThanOrEqual(canvas.width);
            expect(title.bottom, where).toBeLessThanOrEqual(canvas.height);
          }
        }
      }
    } finally {
      await browser.context.unroute(RESULTS_URL, widenResultNumbers);
      await page.setViewportSize(DESKTOP_VIEWPORT);
    }
  });

  it('downloads results without binary float noise', async () => {
    const { app, keys } = server.platform;
    // Linear attribution sums fractional credits, which leaves noise in the last binary digits.
    const created = await sendJson<{ id: string }>(
      app,
      keys.advertiser,
      'POST',
      '/api/v1/cleanrooms/CR-000001/runs',
      {
        questionId: 'attribution',
        parameters: { model: 'linear', date_start: '2026-11-01', date_end: '2026-11-30' },
      },
    );
    const runId = created.body.id;
    await waitForRun(app, keys.advertiser, runId, 60_000);
    const served = await getJson<{ rows: (string | number | null)[][] }>(
      app,
      keys.advertiser,
      `/api/v1/runs/${runId}/results?limit=1000`,
    );
    const numbers = served.body.rows.flat().filter((value) => typeof value === 'number');
    expect(numbers.some((value) => significantDigits(value) > 15)).toBe(true);

    await page.goto(`${server.baseUrl}/runs/${runId}`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');

    expect(lines).toHaveLength(served.body.rows.length + 1);
    served.body.rows.forEach((row, rowIndex) => {
      const cells = lines[rowIndex + 1]?.split(',') ?? [];
      row.forEach((value, columnIndex) => {
        if (typeof value !== 'number') return;
        const cell = cells[columnIndex] ?? '';
        const where = `row ${rowIndex + 1}, column ${columnIndex + 1}: ${cell}`;
        expect(significantDigits(Number(cell)), where).toBeLessThanOrEqual(15);
        expect(Math.abs(Number(cell) - value), where).toBeLessThanOrEqual(Math.abs(value) * 1e-14);
      });
    });
  });

  it('explains the bound behind the preview', async () => {
    await page.goto(`${server.baseUrl}/cleanrooms/CR-000001/questions/reach_frequency/run`);
    await page.getByLabel(/First day/).fill('2026-11-01');
    await page.getByLabel(/Last day/).fill('2026-11-30');
    await page.getByRole('button', { name: 'Preview suppressed rows' }).click();
    const preview = page.getByTestId('run-preview');
    await preview.waitFor();

    expect(await preview.textContent()).toContain('may pass');
    expect(await evaluateInPage(page, 'document.activeElement?.textContent')).toBe(
      'Preview suppressed rows',
    );
    const bound = await preview.getByTestId('preview-bound').textContent();
    expect(bound).toContain('upper bound on each segment’s people with the crowd size');
    expect(bound).toContain('“will be suppressed” is certain but “may pass” is not');
  });

  it('the run form rejects a bad parameter', async () => {
    const questionReads: string[] = [];
    const record = (request: Request) => {
      const { pathname } = new URL(request.url());
      if (/^\/api\/v1\/cleanrooms\/[^/]+\/questions\/reach_frequency$/.test(pathname))
        questionReads.push(pathname);
    };
    page.on('request', record);
    await page.goto(`${server.baseUrl}/cleanrooms/CR-000001/questions/reach_frequency/run`);
    await page.getByLabel(/First day/).fill('2026-11-30');
    await page.getByLabel(/Last day/).fill('2026-11-01');
    const before = await runCount();

    for (const button of ['Preview suppressed rows', 'Start run']) {
      await page.getByRole('button', { name: button }).click();
      const error = page.getByTestId('run-form-error');
      await error.waitFor();

      expect(await error.textContent(), button).toContain('Check First day');
      expect(await error.textContent(), button).toContain('date_end');
      expect(await page.getByLabel(/First day/).getAttribute('aria-invalid'), button).toBe('true');
      expect(await evaluateInPage(page, 'document.activeElement?.id'), button).toBe(
        'parameter-date_start',
      );
    }
    page.off('request', record);

    expect(new URL(page.url()).pathname).toMatch(/\/run$/);
    expect(await runCount()).toBe(before);
    expect(questionReads.length).toBeGreaterThan(0);
  });

  it('rejects an empty CSV and names the file', async () => {
    await page.goto(`${server.baseUrl}/datasets`);
    await page.getByLabel('Name', { exact: true }).fill('Empty upload');
    await page
      .getByLabel('File')
      .setInputFiles({ name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) });
    await page.getByRole('button', { name: 'Upload' }).click();

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('"empty.csv" is empty (0 bytes)');
    expect(await alert.textContent()).toContain('header line');
  });

  it('counts imported rows with the right plural', async () => {
    await page.getByLabel('Name', { exact: true }).fill('One row upload');
    await page.getByLabel('File').setInputFiles({
      name: 'one-row.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('email,age_band\nana@example.com,25-34\n'),
    });
    await page.getByRole('button', { name: 'Upload' }).click();

    const report = page.getByTestId('import-report');
    await report.waitFor({ timeout: 30_000 });
    expect(await report.textContent()).toContain('Imported 1 row into One row upload; 0 rows were');
    expect(await report.textContent()).not.toContain('1 rows');
    expect(await evaluateInPage(page, 'document.activeElement?.textContent')).toBe('Upload');
  });

  it('says the server imports after the upload', async () => {
    const rows = Array.from({ length: 200_000 }, (_, index) => `person${index}@example.com,25-34`);
    await page.getByLabel('Name', { exact: true }).fill('Large upload');
    await page.getByLabel('File').setInputFiles({
      name: 'large.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`email,age_band\n${rows.join('\n')}\n`),
    });
    await page.getByRole('button', { name: 'Upload' }).click();

    await expect
      .poll(() => page.getByTestId('upload-status').textContent(), { timeout: 30_000 })
      .toBe('Uploaded. The server is importing the file…');
    const report = page.getByTestId('import-report');
    await report.waitFor({ timeout: 60_000 });
    expect(await report.textContent()).toContain('Imported 200,000 rows into Large upload');
    expect(await page.getByTestId('upload-status').count()).toBe(0);
  });

  it('lists the lines of an import that rejects every row', async () => {
    await page.getByLabel('Name', { exact: true }).fill('No valid rows');
    await page.getByLabel('File').setInputFiles({
      name: 'no-valid-rows.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('email,age_band\nnot-an-email,25-34\nalso-wrong,35-44\n'),
    });
    await page.getByRole('button', { name: 'Upload' }).click();

    const failure = page.getByTestId('import-error');
    await failure.waitFor({ timeout: 30_000 });
    expect(await failure.textContent()).toContain('"no-valid-rows.csv" was not imported');
    const lines = failure.getByRole('list', { name: 'Rejected lines' }).getByRole('listitem');
    expect(await lines.count()).toBe(2);
    expect(await lines.first().textContent()).toContain('Line 2');
  });

  it('shows the system status from the server', async () => {
    await page.getByRole('link', { name: 'System status' }).click();
    const table = page.getByTestId('status-table');
    await table.waitFor();

    const text = await table.textContent();
    expect(text).toContain('database');
    expect(text).toContain('postgres');
  });

  it('shows the uptime in hours and minutes', async () => {
    // The test server has been up for seconds, so the test sets the uptime in the response.
    await page.route('**/api/v1/system/status', async (route) => {
      const response = await route.fetch();
      const status = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: { ...status, uptimeSeconds: 7_500 } });
    });
    try {
      await page.goto(`${server.baseUrl}/status`);
      const summary = page.getByTestId('status-summary');
      await summary.waitFor();

      expect(await summary.textContent()).toContain('up 2 h 5 min.');
    } finally {
      await page.unroute('**/api/v1/system/status');
    }
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
    // The card shows the run while the reply is still streaming, so wait until the reply ends.
    await page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 60_000 });
    expect((await answer.locator('.markdown').first().textContent())?.length ?? 0).toBeGreaterThan(
      0,
    );
    await answer.locator('.evidence-card', { hasText: 'released' }).first().waitFor();
  });

  it('limits a chat message and counts near the limit', async () => {
    const input = page.getByLabel('Message');
    await input.fill('x'.repeat(3_000));
    expect(await page.getByTestId('chat-counter').count()).toBe(0);

    await input.fill('x'.repeat(4_100));
    const counter = page.getByTestId('chat-counter');
    await counter.waitFor();
    expect(await input.inputValue()).toHaveLength(4_000);
    expect(await counter.textContent()).toContain(`${(4_000).toLocaleString()} of`);
    await input.fill('');
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

  it('keeps result tables readable at 375 px', async () => {
    await page.setViewportSize({ width: PHONE_WIDTH_PX, height: 800 });
    for (const path of [completedRunPath, '/status']) {
      await page.goto(`${server.baseUrl}${path}`);
      const table = page.locator('.table-scroll table').first();
      await table.waitFor();

      const pageWidth = await evaluateInPage<number>(page, 'document.documentElement.scrollWidth');
      expect(pageWidth, `page ${path}`).toBeLessThanOrEqual(PHONE_WIDTH_PX);
      for (const lines of await headerLineCounts(table)) {
        expect(lines, `header line count on ${path}`).toBe(1);
      }
    }

    await page.goto(`${server.baseUrl}${completedRunPath}`);
    const scroller = page.getByRole('region', { name: 'Result table' });
    await scroller.waitFor();
    const widths = await scroller.evaluate((element) => ({
      content: element.scrollWidth,
      visible: element.clientWidth,
    }));
    // The five result columns are wider than a phone, so the table scrolls inside its container.
    expect(widths.content).toBeGreaterThan(widths.visible);
  });

  it('tells a throttled user in words when to try again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    const alert = page.getByRole('alert');
    for (let attempt = 0; attempt <= MAX_FAILURES_PER_EMAIL; attempt++) {
      await page.getByLabel('Email').fill('throttled@example.com');
      await page.getByLabel('Password').fill(`wrong-${attempt}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await alert.waitFor();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    }

    const text = await alert.textContent();
    await signIn(
      page,
      server.baseUrl,
      server.platform.emails.advertiser,
      server.platform.passwords.advertiser,
    );

    // The throttle window is LOGIN_THROTTLE_WINDOW_SECONDS, 900 s by default.
    expect(text).toContain('try again in 15 minutes.');
    expect(text).not.toMatch(/\d+ s\b/);
  });

  it('reports no CSP violations', async () => {
    expect(await readCspViolations(page)).toEqual([]);
    expect(consoleCspReports).toEqual([]);
  });
});
