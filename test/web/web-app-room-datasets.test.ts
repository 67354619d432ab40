import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, sendJson } from '../support/api-helpers.ts';
import { launchChromium, type ChromiumSession } from './support/chromium.ts';
import { evaluateInPage, signIn } from './support/page-helpers.ts';
import { startWebTestServer, type WebTestServer } from './support/web-test-server.ts';

const PHONE_WIDTH_PX = 375;
/** Playwright's default viewport, which the tests return to after changing it. */
const DESKTOP_VIEWPORT = { width: 1280, height: 720 };
/** Matches the REST and CLI instructions that server messages give API callers. */
const API_INSTRUCTIONS = /\/api\/v1|npx cleanroom|MCP tool|display id \(CRQ/;
/** The room where the advertiser is ANALYST and has no EXPOSURES dataset attached (seeded). */
const ROOM = 'CR-000002';
const REACH_FORM_PATH = `/cleanrooms/${ROOM}/questions/reach_frequency/run`;
const EXPOSURES_NAME = 'Web exposures';
const EXPOSURES_CSV = [
  'email,campaign_id,exposure_at',
  'ana@example.com,C1,2026-11-05 10:00:00',
  'ben@example.com,C1,2026-11-06 11:30:00',
  'cy@example.com,C2,2026-11-07 09:15:00',
].join('\n');

interface DatasetView {
  id: string;
  name: string;
}

describe('web app room datasets', () => {
  let server: WebTestServer;
  let browser: ChromiumSession;
  let page: Page;

  const attachedNames = async () => {
    const { body } = await getJson<{ items: DatasetView[] }>(
      server.platform.app,
      server.platform.keys.advertiser,
      `/api/v1/cleanrooms/${ROOM}/datasets`,
    );
    return body.items.map((dataset) => dataset.name);
  };
  const activeElementId = () =>
    evaluateInPage<string | undefined>(page, 'document.activeElement?.id');
  const activeTestId = () =>
    evaluateInPage<string | undefined>(page, 'document.activeElement?.dataset.testid');

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

  it('links a missing dataset to the attach control', async () => {
    await page.goto(`${server.baseUrl}${REACH_FORM_PATH}`);
    const missing = page.getByTestId('missing-dataset');
    await missing.waitFor();
    expect(await missing.textContent()).toContain('No dataset attached to this clean room fits');
    expect(await missing.textContent()).toContain('@exposures');
    expect(await missing.textContent()).not.toMatch(API_INSTRUCTIONS);

    await missing.getByRole('link', { name: 'Attach a dataset of type EXPOSURES' }).click();
    await page.waitForURL(/\/cleanrooms\/[^/?]+\?attachType=EXPOSURES#attach-dataset$/);
    await expect.poll(activeElementId).toBe('attach-dataset-select');
    const hint = page.getByText('The question needs a dataset of type EXPOSURES');
    expect(await hint.textContent()).toContain('none of yours');
    const importLink = page.getByRole('link', { name: 'Import a dataset' });
    expect(await importLink.getAttribute('href')).toMatch(/^\/datasets\?attachTo=[0-9a-f-]{36}$/);
  });

  it('replaces the API advice of Start run', async () => {
    await page.goto(`${server.baseUrl}${REACH_FORM_PATH}`);
    await page.getByLabel(/First day/).fill('2026-11-01');
    await page.getByLabel(/Last day/).fill('2026-11-30');
    await page.getByRole('button', { name: 'Start run' }).click();

    const error = page.getByTestId('run-form-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('No dataset attached to this clean room fits');
    expect(await error.textContent()).not.toMatch(API_INSTRUCTIONS);
    const link = error.getByRole('link', { name: 'Attach a dataset of type EXPOSURES' });
    expect(await link.getAttribute('href')).toBe(
      `/cleanrooms/${ROOM}?attachType=EXPOSURES#attach-dataset`,
    );
  });

  it('attaches an upload to the room it came from', async () => {
    const { body: room } = await getJson<{ id: string; name: string }>(
      server.platform.app,
      server.platform.keys.advertiser,
      `/api/v1/cleanrooms/${ROOM}`,
    );
    await page.goto(`${server.baseUrl}/datasets?attachTo=${room.id}`);
    await page.getByLabel('Name', { exact: true }).fill(EXPOSURES_NAME);
    await page.getByLabel('Data type').selectOption('EXPOSURES');
    await page.getByLabel('File').setInputFiles({
      name: 'exposures.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(EXPOSURES_CSV),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByTestId('import-report').waitFor({ timeout: 30_000 });

    const roomSelect = page.getByLabel(`Attach ${EXPOSURES_NAME} to a clean room`);
    expect(await roomSelect.inputValue()).toBe(room.id);
    await page.getByTestId('import-report').getByRole('button', { name: 'Attach' }).click();

    const notice = page.getByTestId('attach-to-room-notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain(`Attached ${EXPOSURES_NAME} to ${room.name}.`);
    await expect.poll(activeTestId).toBe('attach-to-room-notice');
    expect(await attachedNames()).toContain(EXPOSURES_NAME);
  });

  it('detaches an own dataset', async () => {
    await page.goto(`${server.baseUrl}/cleanrooms/${ROOM}`);
    const attached = page.getByRole('list', { name: 'Attached datasets' });
    await attached.getByText(EXPOSURES_NAME).waitFor();
    // The retailer owns the room's members dataset, so the advertiser cannot detach it.
    const retailerItem = attached.getByRole('listitem').filter({ hasText: 'Cornerstone Market' });
    expect(await retailerItem.getByRole('button').count()).toBe(0);

    await attached.getByRole('button', { name: `Detach ${EXPOSURES_NAME}` }).click();

    const notice = page.getByTestId('dataset-action-notice');
    await notice.filter({ hasText: `Detached ${EXPOSURES_NAME}` }).waitFor();
    expect(await attached.getByText(EXPOSURES_NAME).count()).toBe(0);
    await expect.poll(activeElementId).toBe('attach-dataset-select');
    const options = await page.locator('#attach-dataset-select option').allTextContents();
    expect(options.some((text) => text.startsWith(`${EXPOSURES_NAME} · EXPOSURES · 3 rows`))).toBe(
      true,
    );
    expect(await attachedNames()).not.toContain(EXPOSURES_NAME);
  });

  it('attaches a dataset and refreshes the run form', async () => {
    // The app keeps the run form's first read in memory, so the attach must mark it stale.
    await page.goto(`${server.baseUrl}/cleanrooms/${ROOM}`);
    await page.getByRole('link', { name: /^Run Reach and frequency/ }).click();
    await page
      .getByTestId('missing-dataset')
      .getByRole('link', { name: 'Attach a dataset of type EXPOSURES' })
      .click();

    const select = page.getByLabel('Your dataset to attach');
    await select.waitFor();
    const optionValue = await page
      .locator('#attach-dataset-select option', { hasText: EXPOSURES_NAME })
      .getAttribute('value');
    await select.selectOption(optionValue ?? '');
    await page.getByRole('button', { name: 'Attach', exact: true }).click();

    const notice = page.getByTestId('dataset-action-notice');
    await notice.filter({ hasText: `Attached ${EXPOSURES_NAME} to this clean room.` }).waitFor();
    expect(await notice.getAttribute('role')).toBe('status');
    const attached = page.getByRole('list', { name: 'Attached datasets' });
    await attached.getByRole('button', { name: `Detach ${EXPOSURES_NAME}` }).waitFor();
    await expect.poll(activeElementId).toBe('attach-dataset-select');
    expect(await attachedNames()).toContain(EXPOSURES_NAME);
    expect(await page.getByText('The question needs a dataset of type EXPOSURES').count()).toBe(0);

    await page.getByRole('link', { name: /^Run Reach and frequency/ }).click();
    await page.getByText(`@exposures: ${EXPOSURES_NAME} (Northwind Outfitters)`).waitFor();
    expect(await page.getByTestId('missing-dataset').count()).toBe(0);
  });

  it('shows the server error of a stale detach', async () => {
    await page.goto(`${server.baseUrl}/cleanrooms/${ROOM}`);
    const attached = page.getByRole('list', { name: 'Attached datasets' });
    const detach = attached.getByRole('button', { name: `Detach ${EXPOSURES_NAME}` });
    await detach.waitFor();
    const { body: datasets } = await getJson<{ items: DatasetView[] }>(
      server.platform.app,
      server.platform.keys.advertiser,
      `/api/v1/cleanrooms/${ROOM}/datasets`,
    );
    const exposures = datasets.items.find((dataset) => dataset.name === EXPOSURES_NAME);
    // Another tab of the same organization detaches it first.
    const detached = await sendJson(
      server.platform.app,
      server.platform.keys.advertiser,
      'DELETE',
      `/api/v1/cleanrooms/${ROOM}/datasets/${exposures?.id}`,
    );
    expect(detached.status).toBe(204);

    await detach.click();

    const alert = page.getByTestId('dataset-action-notice');
    await alert.waitFor();
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.textContent()).toContain(`Could not detach ${EXPOSURES_NAME}:`);
    expect(await alert.textContent()).toContain(`is not attached to clean room ${ROOM}`);
    await expect.poll(activeTestId).toBe('dataset-action-notice');
    await expect.poll(() => attached.getByText(EXPOSURES_NAME).count()).toBe(0);
  });

  it('fits the attach control on a phone', async () => {
    await page.setViewportSize({ width: PHONE_WIDTH_PX, height: 800 });
    try {
      await page.goto(`${server.baseUrl}/cleanrooms/${ROOM}`);
      const attach = page.getByRole('button', { name: 'Attach', exact: true });
      await attach.waitFor();

      const pageWidth = await evaluateInPage<number>(page, 'document.documentElement.scrollWidth');
      expect(pageWidth).toBeLessThanOrEqual(PHONE_WIDTH_PX);
      const box = await attach.boundingBox();
      expect((box?.x ?? Infinity) + (box?.width ?? 0)).toBeLessThanOrEqual(PHONE_WIDTH_PX);
    } finally {
      await page.setViewportSize(DESKTOP_VIEWPORT);
    }
  });

  it('asks a partner for its dataset', async () => {
    const { app, keys, emails } = server.platform;
    const created = await sendJson<{ id: string; displayId: string }>(
      app,
      keys.advertiser,
      'POST',
      '/api/v1/cleanrooms',
      { name: 'Room without partner data' },
    );
    await sendJson(app, keys.advertiser, 'POST', `/api/v1/cleanrooms/${created.body.id}/partners`, {
      partnerAdminEmail: emails.publisher,
      role: 'ANALYST',
    });
    const { body: own } = await getJson<{ items: (DatasetView & { dataType: string })[] }>(
      app,
      keys.advertiser,
      '/api/v1/datasets',
    );
    const crm = own.items.find((dataset) => dataset.dataType === 'CRM');
    const attached = await sendJson(
      app,
      keys.advertiser,
      'PUT',
      `/api/v1/cleanrooms/${created.body.id}/datasets/${crm?.id}`,
    );
    expect(attached.status).toBe(200);

    await page.goto(
      `${server.baseUrl}/cleanrooms/${created.body.displayId}/questions/audience_overlap/run`,
    );
    const missing = page.getByTestId('missing-dataset');
    await missing.waitFor();
    expect(await missing.textContent()).toContain('@partner_audience');
    expect(await missing.textContent()).toContain('A partner must attach one of type');
    expect(await missing.getByRole('link').count()).toBe(0);
  });

  it('tells a viewer it cannot attach', async () => {
    const { app, keys, emails } = server.platform;
    const created = await sendJson<{ id: string; displayId: string }>(
      app,
      keys.publisher,
      'POST',
      '/api/v1/cleanrooms',
      { name: 'Viewer room' },
    );
    expect(created.status).toBe(201);
    const added = await sendJson(
      app,
      keys.publisher,
      'POST',
      `/api/v1/cleanrooms/${created.body.id}/partners`,
      { partnerAdminEmail: emails.advertiser, role: 'VIEWER' },
    );
    expect(added.status).toBe(201);

    await page.goto(`${server.baseUrl}/cleanrooms/${created.body.displayId}`);
    await page.getByRole('heading', { name: 'Attach a dataset' }).waitFor();
    await page.getByText('Your organization is a VIEWER in this clean room').waitFor();
    expect(await page.getByLabel('Your dataset to attach').count()).toBe(0);

    const note = page.getByTestId('questions-viewer-note');
    await note.waitFor();
    expect(await note.textContent()).toContain('can see the questions but not run them');
    expect(await page.getByRole('link', { name: /^Run / }).count()).toBe(0);
  });

  it('explains an attach after leaving the room', async () => {
    const { app, keys, emails } = server.platform;
    const created = await sendJson<{ id: string; displayId: string }>(
      app,
      keys.publisher,
      'POST',
      '/api/v1/cleanrooms',
      { name: 'Room the advertiser leaves' },
    );
    const added = await sendJson<{ id: string }>(
      app,
      keys.publisher,
      'POST',
      `/api/v1/cleanrooms/${created.body.id}/partners`,
      { partnerAdminEmail: emails.advertiser, role: 'ANALYST' },
    );
    expect(added.status).toBe(201);
    await page.goto(`${server.baseUrl}/cleanrooms/${created.body.displayId}`);
    const attach = page.getByRole('button', { name: 'Attach', exact: true });
    await attach.waitFor();

    const removed = await sendJson(
      app,
      keys.publisher,
      'DELETE',
      `/api/v1/cleanrooms/${created.body.id}/partners/${added.body.id}`,
    );
    expect(removed.status).toBe(204);
    await attach.click();

    const alert = page.getByTestId('dataset-action-notice');
    await alert.waitFor();
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.textContent()).toContain(
      'your organization is no longer a partner of this clean room',
    );
    expect(await alert.textContent()).not.toMatch(API_INSTRUCTIONS);
    await expect.poll(activeTestId).toBe('dataset-action-notice');
    // The attached list is read again and fails too, with the web text.
    await page.getByText(`No clean room ${created.body.displayId} exists`).waitFor();
    expect(await page.getByRole('main').textContent()).not.toMatch(API_INSTRUCTIONS);
  });

  it('explains unknown rooms, runs and questions', async () => {
    const cases = [
      {
        path: '/cleanrooms/CR-999999',
        text: 'No clean room CR-999999 exists, or your organization is not a partner of it.',
        link: 'Back to your clean rooms',
      },
      {
        path: '/cleanrooms/CR-999999/questions/reach_frequency/run',
        text: 'No clean room CR-999999 exists, or your organization is not a partner of it.',
        link: 'Back to your clean rooms',
      },
      {
        path: '/runs/00000000-0000-4000-8000-000000000000',
        text: 'No run 00000000-0000-4000-8000-000000000000 exists, or it belongs to a clean room your organization is not a partner of.',
        link: 'Back to your runs',
      },
      {
        path: `/cleanrooms/${ROOM}/questions/no_such_question/run`,
        text: 'No question no_such_question is added to this clean room.',
        link: 'Back to the clean room and its questions',
      },
    ];
    for (const { path, text, link } of cases) {
      await page.goto(`${server.baseUrl}${path}`);
      const error = page.getByTestId('query-error');
      await error.waitFor();

      expect(await error.textContent(), path).toContain(text);
      expect(await error.textContent(), path).not.toMatch(API_INSTRUCTIONS);
      await error.getByRole('link', { name: link }).waitFor();
    }
  });

  it('explains that Web Push is not configured', async () => {
    await page.goto(`${server.baseUrl}/runs`);
    const note = page.getByTestId('push-unavailable');
    await note.waitFor();

    expect(await note.textContent()).toContain('no Web Push keys');
    expect(await page.getByRole('button', { name: /Notify me/ }).count()).toBe(0);
  });

  it('guides an import without identifier column', async () => {
    await page.goto(`${server.baseUrl}/datasets`);
    await page.getByLabel('Name', { exact: true }).fill('Members by number');
    await page.getByLabel('File').setInputFiles({
      name: 'members.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('member_no,age_band\nm-100,25-34\nm-101,35-44\n'),
    });
    await page.getByRole('button', { name: 'Upload' }).click();

    const failure = page.getByTestId('import-error');
    await failure.waitFor({ timeout: 30_000 });
    expect(await failure.textContent()).toContain('"members.csv" was not imported');
    expect(await failure.textContent()).toContain('under Identifier columns');
    expect(await failure.textContent()).toContain('member_no:EMAIL');
    expect(await failure.textContent()).not.toContain('declare the identifier columns');
    await expect.poll(activeElementId).toBe('dataset-identifiers');

    await page.getByLabel('Identifier columns (optional)').fill('member_no:CUSTOMER_ID');
    await page.getByRole('button', { name: 'Upload' }).click();
    const report = page.getByTestId('import-report');
    await report.waitFor({ timeout: 30_000 });
    expect(await report.textContent()).toContain('Imported 2 rows into Members by number');
  });

  it('rewords an invalid identifier entry', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Bad declaration');
    await page.getByLabel('Identifier columns (optional)').fill('member_no:SSN');
    await page.getByLabel('File').setInputFiles({
      name: 'members.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('member_no,age_band\nm-100,25-34\n'),
    });
    await page.getByRole('button', { name: 'Upload' }).click();

    const failure = page.getByTestId('import-error');
    await failure.waitFor({ timeout: 30_000 });
    expect(await failure.textContent()).toContain(
      'the Identifier columns entry "member_no:SSN" is invalid',
    );
    expect(await failure.textContent()).not.toContain('identifierColumns');
    await expect.poll(activeElementId).toBe('dataset-identifiers');
  });
});
