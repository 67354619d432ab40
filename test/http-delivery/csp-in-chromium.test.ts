import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { createWebDist, type WebDistFixture } from './web-dist-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A page built the way Vite builds the web app: one module script and one
 * stylesheet under /assets/, the entry stylesheet inlined in a style element,
 * a manifest, and a service worker that imports a same-origin script and
 * handles fetches. The script sets a style through the CSSOM, as React does
 * for `style` props.
 */
const files: Record<string, string> = {
  'index.html': `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>CSP check</title>
    <link rel="manifest" href="/manifest.webmanifest" />
    <link rel="stylesheet" href="/assets/app-5e6f7a8b.css" />
    <script type="module" src="/assets/app-5e6f7a8b.js"></script>
    <style>body { background-color: rgb(240, 248, 255); }</style>
  </head>
  <body><div id="root">loading</div></body>
</html>
`,
  'assets/app-5e6f7a8b.css': '#root { font-family: sans-serif; }\n',
  'assets/app-5e6f7a8b.js': `const root = document.getElementById('root');
root.style.color = 'rgb(15, 110, 110)';
root.textContent = 'ready';
const health = await fetch('/health/live').then((response) => response.json());
document.body.dataset.health = health.status;
await navigator.serviceWorker.register('/sw.js');
await navigator.serviceWorker.ready;
document.body.dataset.worker = 'ready';
`,
  'assets/sw-helper-9c0d1e2f.js': 'self.helperLoaded = true;\n',
  'sw.js': `importScripts('/assets/sw-helper-9c0d1e2f.js');
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  if (event.request.url.endsWith('/health/live')) {
    event.respondWith(fetch(event.request).then((response) => {
      const headers = new Headers(response.headers);
      headers.set('x-served-by', self.helperLoaded ? 'worker-with-helper' : 'worker');
      return new Response(response.body, { status: response.status, headers });
    }));
  }
});
`,
  'style-probe.html': `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>style probe</title>
    <style>body { background-color: rgb(240, 248, 255); }</style>
    <script type="module" src="/assets/style-probe-0a1b2c3d.js"></script>
  </head>
  <body></body>
</html>
`,
  'assets/style-probe-0a1b2c3d.js': `const injected = document.createElement('style');
injected.textContent = 'body { background-color: rgb(255, 0, 0); }';
document.head.append(injected);
document.body.dataset.injected = 'yes';
`,
  'inline-probe.html': `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>untouched</title></head>
  <body><script>document.title = 'inline script ran';</script></body>
</html>
`,
};

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing) {
  process.stderr.write(
    `Skipping the CSP browser test: ${CHROMIUM} is missing (apt-get install chromium).\n`,
  );
}

let test: TestPlatform;
let dist: WebDistFixture;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  if (chromiumMissing) return;
  dist = await createWebDist();
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(dist.directory, name), content);
  }
  test = await startTestPlatform({
    backend: 'pglite',
    seed: 'none',
    startWorker: false,
    env: { WEB_DIST_DIR: dist.directory },
  });
  baseUrl = await test.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
});

afterAll(async () => {
  await browser?.close();
  await test?.close();
  await dist?.remove();
});

/** Opens a page in a fresh context and collects the CSP violations Chromium reports on its console. */
async function openPage(): Promise<{ page: Page; violations: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  return { page, violations };
}

describe.skipIf(chromiumMissing)('Content Security Policy in Chromium', () => {
  it('runs the app and its service worker without violations', async () => {
    const { page, violations } = await openPage();

    await page.goto(`${baseUrl}/`);
    await page.waitForSelector('body[data-worker="ready"]');
    await page.reload();
    // Page-side code as strings: the test's tsconfig has no DOM types.
    await page.waitForFunction('navigator.serviceWorker.controller !== null');
    const servedBy = await page.evaluate(
      "fetch('/health/live').then((response) => response.headers.get('x-served-by'))",
    );

    expect(await page.textContent('#root')).toBe('ready');
    expect(await page.getAttribute('body', 'data-health')).toBe('ok');
    expect(await page.evaluate("getComputedStyle(document.getElementById('root')).color")).toBe(
      'rgb(15, 110, 110)',
    );
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe(
      'rgb(240, 248, 255)',
    );
    expect(servedBy).toBe('worker-with-helper');
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it('blocks a style element a script adds', async () => {
    const { page, violations } = await openPage();

    await page.goto(`${baseUrl}/style-probe.html`);
    await page.waitForSelector('body[data-injected="yes"]', { state: 'attached' });

    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe(
      'rgb(240, 248, 255)',
    );
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    await page.context().close();
  });

  it('blocks an inline script', async () => {
    const { page, violations } = await openPage();

    await page.goto(`${baseUrl}/inline-probe.html`);

    expect(await page.title()).toBe('untouched');
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    await page.context().close();
  });
});
