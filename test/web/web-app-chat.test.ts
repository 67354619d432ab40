import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, sendJson } from '../support/api-helpers.ts';
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
const LIST_ROOMS = 'Which clean rooms can I use?';
const LIST_PARTNERS = 'Which partners are in CR-000001?';
const OVERLAP = 'What is the audience overlap with the publisher by age band?';
/** Port in this test's range where nothing listens. The CSP blocks the URL before any request. */
const UNUSED_ORIGIN = 'http://127.0.0.1:7199';

/**
 * Markup a clean room or dataset name can carry into an answer. Each line
 * would break the CSP (inline style, an image or video from another origin)
 * or run script if the renderer let it through.
 */
const HOSTILE_MARKDOWN = [
  'Room <img src=x onerror="document.title=\'xss-img\'"> named with HTML',
  "[a link](javascript:document.title='xss-link') and <a href=\"javascript:document.title='xss-a'\">another</a>",
  '<span style="color:red">styled name</span> and <style>main{display:none}</style>',
  `![tracker](${UNUSED_ORIGIN}/pixel.png)`,
  `<video src="${UNUSED_ORIGIN}/v.mp4" autoplay></video><iframe src="${UNUSED_ORIGIN}/"></iframe>`,
  '<svg onload="document.title=\'xss-svg\'"><circle r="5"></circle></svg>',
  `<form action="${UNUSED_ORIGIN}/"><button>go</button></form>`,
  [
    '| attribute_value | overlap_count | partner_count | overlap_rate | index |',
    '| --- | --- | --- | --- | --- |',
    '| <b onmouseover="document.title=\'xss-cell\'">25-34</b> | 1,234 | 5,678 | 0.2173 | 104.52 |',
  ].join('\n'),
].join('\n\n');

/** Elements and attributes no rendered answer may contain. */
const FORBIDDEN_SELECTOR =
  'img, style, video, audio, iframe, svg, form, input, [style], [onerror], [onload], [onmouseover], a[href^="javascript:" i]';

interface ChatFrame {
  type: string;
  event?: { type: string; text?: string };
}

interface EvidenceFrame {
  type: string;
  event?: {
    evidence?: { status: string; rowsReleased: number | null; rowsSuppressed: number | null };
  };
}

describe('web app chat', () => {
  let server: WebTestServer;
  let browser: ChromiumSession;
  let page: Page;
  let consoleCspReports: string[];

  const lastAnswer = (on = page) => on.getByTestId('assistant-message').last();
  const userMessages = () => page.locator('.bubble-user');
  const history = () => page.getByTestId('conversation-history');
  const conversations = async () =>
    (
      await getJson<{ items: { id: string; title: string }[] }>(
        server.platform.app,
        server.platform.keys.advertiser,
        '/api/v1/conversations?limit=100',
      )
    ).body.items;

  /** Sends a message and waits until its answer has finished. */
  async function ask(text: string, on = page): Promise<void> {
    const input = on.getByLabel('Message');
    await input.fill(text);
    await input.press('Enter');
    await on.getByRole('button', { name: 'Send' }).waitFor({ timeout: 60_000 });
  }

  /** Opens the chat in a new tab of the signed-in browser, which starts with an empty chat. */
  async function newChatTab(): Promise<Page> {
    const tab = await browser.context.newPage();
    await tab.goto(`${server.baseUrl}/`);
    await waitForSignedInApp(tab);
    return tab;
  }

  async function openHistory(): Promise<void> {
    if (!(await history().isVisible())) await page.getByText('Earlier conversations').click();
    await history().waitFor();
  }

  beforeAll(async () => {
    // No worker: runs stay queued, so an answer that starts one is still waiting when Stop is pressed.
    server = await startWebTestServer({ startWorker: false });
    browser = await launchChromium();
    consoleCspReports = await watchCspViolations(browser.context);
    page = await browser.context.newPage();
    const { emails, passwords } = server.platform;
    await signIn(page, server.baseUrl, emails.advertiser, passwords.advertiser);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  describe('conversation history', () => {
    it('keeps the conversation after navigating away', async () => {
      await ask(LIST_ROOMS);
      await page.getByRole('link', { name: 'Clean rooms' }).click();
      await page.getByRole('listbox', { name: 'Clean rooms' }).waitFor();
      await page.getByRole('link', { name: 'Chat' }).click();

      await expect(userMessages().allTextContents()).resolves.toEqual([LIST_ROOMS]);
      expect(await lastAnswer().textContent()).toContain('CR-000001');
    });

    it('reopens the conversation after a reload', async () => {
      await page.reload();
      await userMessages().first().waitFor();

      await expect(userMessages().allTextContents()).resolves.toEqual([LIST_ROOMS]);
      expect(await lastAnswer().locator('.markdown').first().textContent()).toContain('CR-000001');
    });

    it('continues the reopened conversation', async () => {
      await ask(LIST_PARTNERS);

      await expect(userMessages().allTextContents()).resolves.toEqual([LIST_ROOMS, LIST_PARTNERS]);
      expect(await conversations()).toHaveLength(1);
    });

    it('starts a new conversation', async () => {
      await page.getByRole('button', { name: 'New conversation' }).click();
      expect(await userMessages().count()).toBe(0);

      await ask(LIST_PARTNERS);
      await page.reload();
      await userMessages().first().waitFor();
      await expect(userMessages().allTextContents()).resolves.toEqual([LIST_PARTNERS]);
      expect(await conversations()).toHaveLength(2);
    });

    it('lists earlier conversations and reopens one', async () => {
      await openHistory();
      const items = history().getByRole('listitem');
      await expect.poll(() => items.count()).toBe(2);
      expect(await items.first().getByRole('button').first().getAttribute('aria-current')).toBe(
        'true',
      );

      await history().locator('.conversation-open', { hasText: LIST_ROOMS }).click();
      await expect
        .poll(() => userMessages().allTextContents())
        .toEqual([LIST_ROOMS, LIST_PARTNERS]);
    });

    it('moves a continued conversation to the top', async () => {
      const titles = () => history().locator('.conversation-title').allTextContents();
      expect((await titles())[0]).toBe(LIST_PARTNERS);

      await ask(LIST_ROOMS);
      await expect.poll(async () => (await titles())[0]).toBe(LIST_ROOMS);
      expect(await titles()).toHaveLength(2);
    });

    it('deletes a conversation', async () => {
      const [current] = (await conversations()).filter(({ title }) => title === LIST_ROOMS);
      page.once('dialog', (dialog) => void dialog.accept());
      await history()
        .getByRole('button', { name: `Delete conversation: ${LIST_ROOMS}` })
        .click();

      await expect.poll(() => history().getByRole('listitem').count()).toBe(1);
      await expect
        .poll(() => evaluateInPage(page, 'document.activeElement?.className'))
        .toBe('conversation-open');
      expect((await conversations()).map(({ id }) => id)).not.toContain(current?.id);
      // The open conversation was the deleted one, so the chat starts afresh.
      expect(await userMessages().count()).toBe(0);
      await page.reload();
      await waitForSignedInApp(page);
      expect(await userMessages().count()).toBe(0);
    });
  });

  describe('stop', () => {
    let tab: Page;

    beforeAll(async () => {
      tab = await newChatTab();
    });

    afterAll(async () => {
      await tab?.close();
    });

    it('stops an answer that has not started yet', async () => {
      const early = await browser.context.newPage();
      const heldFrames: string[] = [];
      let release: (() => void) | null = null;
      // Holds the answer's events, so Stop is pressed before the page learns the new conversation.
      await early.routeWebSocket(/\/ws$/, (route) => {
        const toServer = route.connectToServer();
        release = () => {
          for (const frame of heldFrames.splice(0)) route.send(frame);
          release = null;
        };
        toServer.onMessage((message) => {
          const frame = String(message);
          if (release !== null && (JSON.parse(frame) as ChatFrame).type === 'chat')
            heldFrames.push(frame);
          else route.send(frame);
        });
      });
      await early.goto(`${server.baseUrl}/`);
      const input = early.getByLabel('Message');
      await input.fill(OVERLAP);
      await input.press('Enter');
      await expect.poll(() => heldFrames.length, { timeout: 30_000 }).toBeGreaterThan(0);
      await early.getByRole('button', { name: 'Stop' }).click();
      (release as (() => void) | null)?.();

      const answer = lastAnswer(early);
      // Without the stop, the answer would wait out the run (LLM_RUN_WAIT_SECONDS) and end complete.
      await answer.getByText('This answer is incomplete.').waitFor({ timeout: 30_000 });
      await answer.locator('.evidence-card').waitFor();
      await early.close();
    });

    it('shows the run while the answer waits for it', async () => {
      const waiting = await newChatTab();
      const input = waiting.getByLabel('Message');
      await input.fill(OVERLAP);
      await input.press('Enter');

      // No worker runs, so start_run still waits for the queued run (LLM_RUN_WAIT_SECONDS).
      const card = lastAnswer(waiting).locator('.evidence-card');
      await card.getByTestId('evidence-status').filter({ hasText: 'QUEUED' }).waitFor();
      expect(await waiting.getByRole('button', { name: 'Stop' }).isVisible()).toBe(true);
      expect(await card.getByRole('link').getAttribute('href')).toMatch(/^\/runs\/[0-9a-f-]{36}$/);

      await waiting.getByRole('button', { name: 'Stop' }).click();
      await waiting.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
      await waiting.close();
    });

    it('keeps showing the run an answer started', async () => {
      const input = tab.getByLabel('Message');
      await input.fill(OVERLAP);
      await input.press('Enter');
      // start_run waits for the run, which stays queued because no worker runs.
      await lastAnswer(tab).locator('.tool', { hasText: 'start_run' }).waitFor({ timeout: 60_000 });
      await tab.getByRole('button', { name: 'Stop' }).click();

      const card = lastAnswer(tab).locator('.evidence-card');
      await card.waitFor({ timeout: 30_000 });
      await tab.getByRole('button', { name: 'Send' }).waitFor();
      const href = await card.getByRole('link').getAttribute('href');
      expect(href).toMatch(/^\/runs\/[0-9a-f-]{36}$/);

      // The run keeps going after the stop: once a worker takes it, the card follows it to the end.
      await server.platform.platform.startWorker();
      await card
        .getByTestId('evidence-status')
        .filter({ hasText: 'COMPLETED' })
        .waitFor({ timeout: 60_000 });
    });

    it('reads a run whose events the page missed', async () => {
      const missed = await browser.context.newPage();
      // Reports every run as RUNNING without row counts and drops its run events, as when
      // the run finished between the answer's report and the page's subscription.
      await missed.routeWebSocket(/\/ws$/, (route) => {
        const toServer = route.connectToServer();
        toServer.onMessage((message) => {
          const frame = JSON.parse(String(message)) as EvidenceFrame;
          if (frame.type === 'run_event') return;
          const evidence = frame.event?.evidence;
          if (evidence !== undefined) {
            evidence.status = 'RUNNING';
            evidence.rowsReleased = null;
            evidence.rowsSuppressed = null;
          }
          route.send(JSON.stringify(frame));
        });
      });
      await missed.goto(`${server.baseUrl}/`);
      await ask(OVERLAP, missed);

      const card = lastAnswer(missed).locator('.evidence-card');
      await card.getByTestId('evidence-status').filter({ hasText: 'COMPLETED' }).waitFor();
      await card.getByText(/rows? released/).waitFor();
      await missed.close();
    });

    it('shows the run after a reload', async () => {
      await tab.reload();
      const card = lastAnswer(tab).locator('.evidence-card');
      await card.waitFor();
      expect(await card.getByRole('link').getAttribute('href')).toMatch(/^\/runs\/[0-9a-f-]{36}$/);
    });
  });

  describe('hostile markdown', () => {
    let hostilePage: Page;

    beforeAll(async () => {
      for (const name of ['<img src=x onerror=alert(1)> Room', '[x](javascript:alert(1)) Room']) {
        await sendJson(
          server.platform.app,
          server.platform.keys.advertiser,
          'POST',
          '/api/v1/cleanrooms',
          {
            name,
            description: 'A room whose name carries markup.',
            type: 'Hybrid',
          },
        );
      }

      hostilePage = await browser.context.newPage();
      // Replaces the first answer text and the first tool result with hostile markdown, as a
      // model quoting such names, or a tool that failed to escape them, would write it.
      await hostilePage.routeWebSocket(/\/ws$/, (route) => {
        const toServer = route.connectToServer();
        const replaced = new Set<string>();
        toServer.onMessage((message) => {
          const frame = JSON.parse(String(message)) as ChatFrame;
          const type = frame.event?.type;
          if (frame.type === 'chat' && frame.event && type !== undefined && !replaced.has(type)) {
            if (type === 'text_delta' || type === 'tool_result') {
              replaced.add(type);
              frame.event.text = HOSTILE_MARKDOWN;
            }
          }
          route.send(JSON.stringify(frame));
        });
      });
      await hostilePage.goto(`${server.baseUrl}/`);
      await waitForSignedInApp(hostilePage);
    });

    afterAll(async () => {
      await hostilePage?.close();
    });

    it('renders room names with markup as text', async () => {
      const tab = await newChatTab();
      await ask(LIST_ROOMS, tab);

      const answer = lastAnswer(tab);
      expect(await answer.textContent()).toContain('<img src=x onerror=alert(1)> Room');
      expect(await answer.locator(FORBIDDEN_SELECTOR).count()).toBe(0);
      expect(await readCspViolations(tab)).toEqual([]);
      await tab.close();
    });

    it('shows tool results without escape backslashes', async () => {
      const tab = await newChatTab();
      await ask(LIST_ROOMS, tab);

      const tool = lastAnswer(tab).locator('.tool', { hasText: 'list_clean_rooms' });
      await tool.locator('.markdown table').waitFor();
      const names = await tool.locator('td').allTextContents();
      expect(names).toContain('<img src=x onerror=alert(1)> Room');
      expect(names).toContain('[x](javascript:alert(1)) Room');
      expect(await tool.textContent()).not.toContain('\\');
      expect(await tool.locator(`a, ${FORBIDDEN_SELECTOR}`).count()).toBe(0);
      expect(await readCspViolations(tab)).toEqual([]);
      await tab.close();
    });

    it('renders hostile markdown without CSP violations', async () => {
      const input = hostilePage.getByLabel('Message');
      await input.fill(LIST_ROOMS);
      await input.press('Enter');
      await hostilePage.getByRole('button', { name: 'Send' }).waitFor({ timeout: 60_000 });
      const answer = hostilePage.getByTestId('assistant-message').last();
      await answer.locator('.markdown table').first().waitFor();
      const tool = answer.locator('.tool').first();
      await tool.locator('.markdown table').waitFor();

      expect(await answer.locator(FORBIDDEN_SELECTOR).count()).toBe(0);
      expect(await answer.textContent()).toContain('<span style="color:red">styled name</span>');
      expect(await tool.textContent()).toContain('<span style="color:red">styled name</span>');
      expect(await hostilePage.title()).toBe('Chat - Cleanroom Copilot');
      expect(await readCspViolations(hostilePage)).toEqual([]);
      expect(await readCspViolations(page)).toEqual([]);
      expect(consoleCspReports).toEqual([]);
    });

    it('scrolls a wide answer table inside the answer at 375 px', async () => {
      await hostilePage.setViewportSize({ width: PHONE_WIDTH_PX, height: 800 });
      const table = hostilePage
        .getByTestId('assistant-message')
        .last()
        .locator('.markdown table')
        .first();

      const pageWidth = await evaluateInPage<number>(
        hostilePage,
        'document.documentElement.scrollWidth',
      );
      const sizes = await table.evaluate((element) => ({
        scrollWidth: element.scrollWidth,
        clientWidth: element.clientWidth,
      }));
      const headerLines = await headerLineCounts(table);

      expect(pageWidth).toBeLessThanOrEqual(PHONE_WIDTH_PX);
      expect(sizes.scrollWidth).toBeGreaterThan(sizes.clientWidth);
      for (const lines of headerLines) expect(lines).toBe(1);
    });
  });

  // Last, because the conversation it starts would count in the history tests.
  describe('starter questions', () => {
    it('name no partner kind', async () => {
      const tab = await newChatTab();
      const starters = await tab.locator('.suggestions button').allTextContents();

      expect(starters).toEqual(['Which clean rooms can I use?', 'What questions can I run?']);
      for (const starter of starters) expect(starter).not.toMatch(/publisher|advertiser|age band/i);
      await tab.close();
    });

    it('answer for the advertiser', async () => {
      const tab = await newChatTab();
      await tab.getByRole('button', { name: 'What questions can I run?' }).click();
      await tab.getByRole('button', { name: 'Send' }).waitFor({ timeout: 60_000 });

      await expect(lastAnswer(tab).textContent()).resolves.toContain('Audience overlap and index');
      await tab.close();
    });
  });
});
