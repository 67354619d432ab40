/// <reference lib="webworker" />
import { Queue } from 'workbox-background-sync';
import { CacheableResponsePlugin } from 'workbox-cacheable-response';
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
import {
  API_CACHE_NAME,
  CLEAR_API_CACHE,
  QUEUED_HEADER,
  REPLAY_RUNS,
  REPORT_RUN_QUEUE,
  type RejectedRunSubmission,
  type RunQueueMessage,
} from '../lib/sw-messages.ts';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[];
};

/** Past this, a navigation falls back to the app shell of this worker's build. */
const NAVIGATION_TIMEOUT_MS = 3000;
/** Past this, an API read falls back to the cached copy. */
const API_TIMEOUT_SECONDS = 4;
/** Queued run submissions older than this (minutes) are dropped by Workbox. */
const RUN_QUEUE_RETENTION_MINUTES = 7 * 24 * 60;
const RUN_SUBMISSION_PATH = /^\/api\/v1\/cleanrooms\/[^/]+\/runs$/;
/** API paths never cached: credentials, push subscriptions and live health. */
const UNCACHED_API_PREFIXES = ['/api/v1/auth/', '/api/v1/push/', '/api/v1/system/'];

clientsClaim();
cleanupOutdatedCaches();

/**
 * Navigations go to the network first, so a deploy is visible on the next
 * load and no stale index.html is served. Offline or past the timeout, the
 * precached shell of this worker's build is served: it matches the hashed
 * chunks this worker precached, which an older cached index.html would not.
 */
async function handleNavigation({
  request,
  event,
}: {
  request: Request;
  event: ExtendableEvent;
}): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('navigation timed out')), NAVIGATION_TIMEOUT_MS);
  });
  try {
    const response = await Promise.race([fetchNavigation(request, event), timeout]);
    if (response.status < 500) return response;
  } catch {
    // Offline or timed out: the shell below serves the page.
  } finally {
    clearTimeout(timer);
  }
  return (await matchPrecache('index.html')) ?? Response.error();
}

/** Uses the navigation preload response, which the browser requested while this worker started, when there is one. */
async function fetchNavigation(request: Request, event: ExtendableEvent): Promise<Response> {
  const preloaded = (await (event as FetchEvent).preloadResponse) as Response | undefined;
  return preloaded ?? fetch(request);
}

// Navigation preload starts the page request in parallel with the worker's
// start-up, which otherwise delays every navigation it handles.
self.addEventListener('activate', (event) => {
  event.waitUntil(self.registration.navigationPreload.enable());
});

// Registered before the precache route, which would otherwise serve index.html cache-first.
registerRoute(new NavigationRoute(handleNavigation));
precacheAndRoute(self.__WB_MANIFEST);

function isCachedApiRead(url: URL, request: Request): boolean {
  return (
    request.method === 'GET' &&
    url.origin === self.location.origin &&
    url.pathname.startsWith('/api/v1/') &&
    !UNCACHED_API_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))
  );
}

registerRoute(
  ({ url, request }) => isCachedApiRead(url, request),
  new NetworkFirst({
    cacheName: API_CACHE_NAME,
    networkTimeoutSeconds: API_TIMEOUT_SECONDS,
    plugins: [new CacheableResponsePlugin({ statuses: [200] })],
  }),
);

async function notifyClients(message: RunQueueMessage): Promise<void> {
  const clients = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of clients) client.postMessage(message);
}

/** Outcome of one replayed submission, for the pages to show beside the queue size. */
type ReplayOutcome = Pick<RunQueueMessage, 'submittedRunId' | 'idempotencyKey' | 'rejected'>;

const NO_OUTCOME: ReplayOutcome = { submittedRunId: null, idempotencyKey: null, rejected: null };

async function reportQueue(reason: string | null, outcome = NO_OUTCOME): Promise<void> {
  const size = await runQueue.size();
  await notifyClients({ type: 'run-queue', size, reason, ...outcome });
}

/** Names a queued run as the user started it, such as "audience_overlap (attribute: region)". */
async function describeQueuedRun(request: Request): Promise<string> {
  const body = (await request
    .clone()
    .json()
    .catch(() => null)) as { questionId?: unknown; parameters?: unknown } | null;
  const question = typeof body?.questionId === 'string' ? body.questionId : 'run';
  const parameters =
    typeof body?.parameters === 'object' && body.parameters !== null
      ? Object.entries(body.parameters).map(([name, value]) => `${name}: ${String(value)}`)
      : [];
  return parameters.length === 0 ? question : `${question} (${parameters.join(', ')})`;
}

/** Reads the error envelope of a rejected submission; the status stands in when there is none. */
async function describeRejection(
  request: Request,
  response: Response,
): Promise<RejectedRunSubmission> {
  const body = (await response.json().catch(() => null)) as {
    error?: { code?: unknown; message?: unknown };
  } | null;
  const code = typeof body?.error?.code === 'string' ? body.error.code : `HTTP_${response.status}`;
  const message =
    typeof body?.error?.message === 'string'
      ? body.error.message
      : `The server rejected it with HTTP ${response.status}.`;
  return { run: await describeQueuedRun(request), message, code };
}

/** Reports a replayed submission that got a status below 500: accepted with its run id, or rejected. */
async function reportReplayed(request: Request, response: Response): Promise<void> {
  const idempotencyKey = request.headers.get('idempotency-key');
  if (!response.ok) {
    const rejected = await describeRejection(request, response);
    await reportQueue(null, { submittedRunId: null, idempotencyKey, rejected });
    return;
  }

  const body = (await response.json().catch(() => null)) as { id?: unknown } | null;
  const submittedRunId = typeof body?.id === 'string' ? body.id : null;
  await reportQueue(null, { submittedRunId, idempotencyKey, rejected: null });
}

/**
 * Reads the session's CSRF token at replay time, because a page opened
 * offline queues its request without one. Null when no user is signed in.
 */
async function readCsrfToken(): Promise<string | null> {
  const response = await fetch('/api/v1/auth/session', { cache: 'no-store' });
  if (!response.ok) return null;

  const body = (await response.json().catch(() => null)) as { csrfToken?: unknown } | null;
  return typeof body?.csrfToken === 'string' ? body.csrfToken : null;
}

function withCsrfToken(request: Request, csrfToken: string): Request {
  const headers = new Headers(request.headers);
  headers.set('x-csrf-token', csrfToken);
  return new Request(request.clone(), { headers });
}

let replayInProgress: Promise<void> | null = null;

/**
 * Submits queued runs in order. A network failure or a 5xx puts the request
 * back at the head of the queue and rejects, so the browser's background
 * sync tries again later. A 2xx or 4xx response removes it, because sending
 * the same body again cannot change a 4xx. The pages then get a message
 * naming the rejected run and the server's error.
 */
async function replayRunSubmissions(): Promise<void> {
  if ((await runQueue.size()) === 0) return;

  const csrfToken = await readCsrfToken();
  if (csrfToken === null) {
    await reportQueue('Sign in again to submit the queued runs.');
    throw new Error('No session to submit the queued runs with');
  }

  for (let entry = await runQueue.shiftRequest(); entry; entry = await runQueue.shiftRequest()) {
    let response: Response;
    try {
      response = await fetch(withCsrfToken(entry.request, csrfToken));
    } catch (error) {
      await runQueue.unshiftRequest(entry);
      await reportQueue('The network is unreachable.');
      throw error;
    }
    if (response.status >= 500) {
      await runQueue.unshiftRequest(entry);
      await reportQueue(`The server answered HTTP ${response.status}.`);
      throw new Error(`Run submission failed with HTTP ${response.status}`);
    }
    await reportReplayed(entry.request, response);
  }
}

function replayOnce(): Promise<void> {
  replayInProgress ??= replayRunSubmissions().finally(() => {
    replayInProgress = null;
  });
  return replayInProgress;
}

/**
 * Delays (ms) of the new attempts when a replay that a page requested fails on
 * the network. A page requests one when the browser reports the network back,
 * which can come before requests get through. The offline browser test failed
 * now and then under load without these attempts.
 */
const REPLAY_RETRY_DELAYS_MS = [1000, 3000];

/** Replays the queue for a page and tries again after a network failure. A 5xx is left to background sync. */
async function replayRequested(): Promise<void> {
  for (const delayMs of [0, ...REPLAY_RETRY_DELAYS_MS]) {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      await replayOnce();
      return;
    } catch (error) {
      // fetch rejects with a TypeError on a network failure; a 5xx rejects with a plain Error.
      if (!(error instanceof TypeError)) return;
    }
  }
}

const runQueue = new Queue('run-submissions', {
  maxRetentionTime: RUN_QUEUE_RETENTION_MINUTES,
  onSync: () => replayOnce(),
});

async function queueRunSubmission(request: Request, reason: string): Promise<Response> {
  await runQueue.pushRequest({ request });
  await reportQueue(reason);
  return new Response(JSON.stringify({ queued: true, reason }), {
    status: 202,
    headers: { 'content-type': 'application/json', [QUEUED_HEADER]: '1' },
  });
}

/** Sends a run submission; offline or on a 5xx it is queued rather than lost. */
async function submitRun({ request }: { request: Request }): Promise<Response> {
  const copy = request.clone();
  try {
    const response = await fetch(request);
    if (response.status < 500) return response;
    return await queueRunSubmission(copy, `The server answered HTTP ${response.status}.`);
  } catch {
    return queueRunSubmission(copy, 'The network is unreachable.');
  }
}

registerRoute(
  ({ url, request }) =>
    request.method === 'POST' &&
    url.origin === self.location.origin &&
    RUN_SUBMISSION_PATH.test(url.pathname),
  submitRun,
  'POST',
);

self.addEventListener('message', (event) => {
  const type = (event.data as { type?: unknown } | null)?.type;
  if (type === 'SKIP_WAITING') void self.skipWaiting();
  if (type === REPLAY_RUNS) event.waitUntil(replayRequested());
  if (type === REPORT_RUN_QUEUE) event.waitUntil(reportQueue(null));
  if (type === CLEAR_API_CACHE) event.waitUntil(caches.delete(API_CACHE_NAME));
});

/** A run notification as the server sends it: JSON with a title, a body and the run's path. */
interface PushPayload {
  title: string;
  body: string;
  url: string;
}

const DEFAULT_PUSH_PAYLOAD: PushPayload = { title: 'Cleanroom Copilot', body: '', url: '/runs' };

function stringField(record: Record<string, unknown>, name: keyof PushPayload): string {
  const value = record[name];
  return typeof value === 'string' ? value : DEFAULT_PUSH_PAYLOAD[name];
}

/** Returns the path of a URL on this origin, and `/runs` for any other URL, so a notification opens only this app. */
function sameOriginPath(url: string): string {
  let resolved: URL;
  try {
    resolved = new URL(url, self.location.origin);
  } catch {
    return DEFAULT_PUSH_PAYLOAD.url;
  }
  if (resolved.origin !== self.location.origin) return DEFAULT_PUSH_PAYLOAD.url;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

/**
 * Reads a push message's payload. A payload that is not a JSON object still
 * shows a notification, with its text as the body, because a push handler
 * that throws shows none.
 */
function readPushPayload(data: PushMessageData | null): PushPayload {
  const text = data?.text() ?? '';
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the text itself is the message.
  }
  if (typeof parsed !== 'object' || parsed === null) return { ...DEFAULT_PUSH_PAYLOAD, body: text };

  const record = parsed as Record<string, unknown>;
  return {
    title: stringField(record, 'title'),
    body: stringField(record, 'body'),
    url: sameOriginPath(stringField(record, 'url')),
  };
}

self.addEventListener('push', (event) => {
  const payload = readPushPayload(event.data);
  event.waitUntil(
    self.registration.showNotification(payload.title, {
      body: payload.body,
      icon: '/icons/icon-192.png',
      data: { url: payload.url },
    }),
  );
});

async function openRunPage(url: string): Promise<void> {
  const clients = await self.clients.matchAll({ type: 'window' });
  const client = clients[0];
  if (client === undefined) {
    await self.clients.openWindow(url);
    return;
  }
  await client.focus();
  await client.navigate(url);
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data as { url?: string } | null)?.url ?? '/runs';
  event.waitUntil(openRunPage(url));
});
