import { useSyncExternalStore } from 'react';
import { Workbox } from 'workbox-window';
import {
  REPLAY_RUNS,
  REPORT_RUN_QUEUE,
  isRunQueueMessage,
  type RunQueueMessage,
} from '../lib/sw-messages.ts';

/** Interval (ms) at which an open tab checks the server for a new service worker. */
const UPDATE_CHECK_INTERVAL_MS = 15 * 60 * 1000;

export interface PwaState {
  online: boolean;
  updateAvailable: boolean;
  runQueue: RunQueueMessage | null;
}

let state: PwaState = { online: navigator.onLine, updateAvailable: false, runQueue: null };
const listeners = new Set<() => void>();
let workbox: Workbox | null = null;

function update(patch: Partial<PwaState>): void {
  state = { ...state, ...patch };
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function usePwaState(): PwaState {
  return useSyncExternalStore(subscribe, () => state);
}

/** Listeners for runs the service worker submitted from its queue. */
const submittedListeners = new Set<(runId: string) => void>();

export function onQueuedRunSubmitted(listener: (runId: string) => void): () => void {
  submittedListeners.add(listener);
  return () => submittedListeners.delete(listener);
}

function handleWorkerMessage(data: unknown): void {
  if (!isRunQueueMessage(data)) return;
  update({ runQueue: data });
  if (data.submittedRunId !== null) {
    for (const listener of submittedListeners) listener(data.submittedRunId);
  }
}

function postToWorker(type: string): void {
  navigator.serviceWorker?.controller?.postMessage({ type });
}

/** Activates the waiting worker; the page reloads when it takes control, landing on the new build. */
export function applyUpdate(): void {
  if (workbox === null) {
    location.reload();
    return;
  }
  workbox.addEventListener('controlling', () => location.reload());
  workbox.messageSkipWaiting();
}

/** Asks the server for a newer service worker now, as a tab does every UPDATE_CHECK_INTERVAL_MS. */
export function checkForUpdate(): Promise<void> {
  return workbox?.update() ?? Promise.resolve();
}

function watchConnectivity(): void {
  addEventListener('online', () => {
    update({ online: true });
    postToWorker(REPLAY_RUNS);
  });
  addEventListener('offline', () => update({ online: false }));
}

/** Registers the service worker and wires its update, queue and connectivity signals into PwaState. */
export function startPwa(): void {
  watchConnectivity();
  if (!('serviceWorker' in navigator)) return;

  workbox = new Workbox('/sw.js', { scope: '/' });
  workbox.addEventListener('waiting', () => update({ updateAvailable: true }));
  navigator.serviceWorker.addEventListener('message', (event) => handleWorkerMessage(event.data));
  void workbox.register().then(() => {
    postToWorker(REPORT_RUN_QUEUE);
    if (navigator.onLine) postToWorker(REPLAY_RUNS);
  });
  setInterval(() => void checkForUpdate(), UPDATE_CHECK_INTERVAL_MS);
}

/** Set after one reload for a missing chunk, so a chunk that is really gone cannot loop reloads. */
const CHUNK_RELOAD_KEY = 'cleanroom.chunk-reload';

/**
 * Reloads once when a lazy chunk fails to load: after a deploy the old
 * hashed chunk is gone, and the reload fetches the new index.html.
 */
export function reloadForMissingChunk(): boolean {
  if (sessionStorage.getItem(CHUNK_RELOAD_KEY) !== null) return false;
  sessionStorage.setItem(CHUNK_RELOAD_KEY, String(Date.now()));
  location.reload();
  return true;
}

export function watchChunkFailures(): void {
  addEventListener('vite:preloadError', (event) => {
    if (reloadForMissingChunk()) event.preventDefault();
  });
  // A page that rendered after loading is healthy, so a later deploy may reload once again.
  addEventListener('load', () =>
    setTimeout(() => sessionStorage.removeItem(CHUNK_RELOAD_KEY), 10_000),
  );
}
