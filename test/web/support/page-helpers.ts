import type { BrowserContext, Locator, Page } from 'playwright-core';

export interface CspViolation {
  directive: string;
  blockedUri: string;
  source: string;
}

/** Collects `securitypolicyviolation` events into window.cspViolations; text, because it runs in the page. */
const CSP_LISTENER_SCRIPT = `
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.cspViolations.push({
      directive: event.violatedDirective,
      blockedUri: event.blockedURI,
      source: event.sourceFile + ':' + event.lineNumber,
    });
  });
`;

/**
 * Records CSP violations of every page and worker in the context: the
 * `securitypolicyviolation` event in pages, and console messages, which is
 * where Chromium reports violations of service workers too.
 */
export async function watchCspViolations(context: BrowserContext): Promise<string[]> {
  const consoleReports: string[] = [];
  await context.addInitScript({ content: CSP_LISTENER_SCRIPT });
  const record = (page: Page) =>
    page.on('console', (message) => {
      if (/content security policy/i.test(message.text())) consoleReports.push(message.text());
    });
  context.pages().forEach(record);
  context.on('page', record);
  return consoleReports;
}

export async function readCspViolations(page: Page): Promise<CspViolation[]> {
  return (await page.evaluate('window.cspViolations ?? []')) as CspViolation[];
}

/** Signs in through the sign-in form and waits for the app shell. */
export async function signIn(
  page: Page,
  baseUrl: string,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/**
 * Waits until the app has rendered a signed-in page. The chat route's HTML
 * already shows the chat page before the scripts run (the prerendered shell),
 * with its buttons disabled, so tests wait for an enabled Sign out button.
 */
export async function waitForSignedInApp(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', disabled: false }).waitFor();
}

/**
 * Runs in the page (a function, because waitForFunction would eval a string,
 * which the CSP blocks). The cast replaces the DOM types, which this program does not load.
 */
function hasServiceWorkerController(): boolean {
  const scope = globalThis as unknown as { navigator: { serviceWorker: { controller: unknown } } };
  return scope.navigator.serviceWorker.controller !== null;
}

/** Waits until a service worker controls the page, so its caches and queue are in play. */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(hasServiceWorkerController, undefined, {
    timeout: 30_000,
  });
}

/** Evaluates an expression in the page; test files type-check without the DOM library, so page code is text. */
export async function evaluateInPage<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

/**
 * Returns how many lines the text of each header cell of a table takes. A
 * readable table keeps its header cells on one line, where a squeezed one
 * breaks them into a letter or two per line.
 */
export async function headerLineCounts(table: Locator): Promise<number[]> {
  return table.locator('th').evaluateAll((cells) =>
    cells.map((cell) => {
      const range = cell.ownerDocument.createRange();
      range.selectNodeContents(cell);
      return range.getClientRects().length;
    }),
  );
}
