import { useSyncExternalStore } from 'react';
import { Workbox } from 'workbox-window';
import {
  REPLAY_RUNS,
  REPORT_RUN_QUEUE,
  isRunQueueMessage,
  type RejectedRunSubmission,
  type RunQueueMessage,
} from '../lib/sw-messages.ts';

/** Interval (ms) at which an open tab checks the server for a new service worker. */
const UPDATE_CHECK_INTERVAL_MS = 15 * 60 * 1000;

export interface PwaState {
  online: boolean;
  updateAvailable: boolean;
  runQueue: RunQueueMessage | null;
  /** Queued runs the server rejected, kept until the user dismisses them, oldest first. */
  rejectedRuns: readonly RejectedRunSubmission[];
}

let state: PwaState = {
  online: navigator.onLine,
  updateAvailable: false,
  runQueue: null,
  rejectedRuns: [],
};
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

/** Outcome of one queued submission, identified by its Idempotency-Key. */
export type QueuedRunOutcome =
  | { idempotencyKey: string; runId: string }
  | { idempotencyKey: string; rejected: RejectedRunSubmission };

/** Listeners for queued submissions the service worker sent, accepted or rejected. */
const outcomeListeners = new Set<(outcome: QueuedRunOutcome) => void>();

export function onQueuedRunOutcome(listener: (outcome: QueuedRunOutcome) => void): () => void {
  outcomeListeners.add(listener);
  return () => outcomeListeners.delete(listener);
}

/** Removes a rejected run from the notices once the user has read it. */
export function dismissRejectedRun(rejected: RejectedRunSubmission): void {
  update({ rejectedRuns: state.rejectedRuns.filter((candidate) => candidate !== rejected) });
}

function toOutcome(data: RunQueueMessage): QueuedRunOutcome | null {
  const { idempotencyKey, rejected, submittedRunId } = data;
  if (idempotencyKey === null) return null;
  if (rejected !== null) return { idempotencyKey, rejected };
  return submittedRunId === null ? null : { idempotencyKey, runId: submittedRunId };
}

function handleWorkerMessage(data: unknown): void {
  if (!isRunQueueMessage(data)) return;
  const rejectedRuns =
    data.rejected === null ? state.rejectedRuns : [...state.rejectedRuns, data.rejected];
  update({ runQueue: data, rejectedRuns });

  const outcome = toOutcome(data);
  if (outcome === null) return;
  for (const listener of outcomeListeners) listener(outcome);
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
