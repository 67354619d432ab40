/**
 * Messages between the service worker and the pages it controls. This file
 * is compiled for both, so it uses no DOM or worker types.
 */

/** Page to worker: submit the queued runs now, because the network is back. */
export const REPLAY_RUNS = 'replay-runs';

/** Page to worker: report how many run submissions are queued. */
export const REPORT_RUN_QUEUE = 'report-run-queue';

/** Page to worker: delete cached API responses, because the user signed out. */
export const CLEAR_API_CACHE = 'clear-api-cache';

/** Worker to page: the state of the queue of run submissions. */
export interface RunQueueMessage {
  type: 'run-queue';
  /** Submissions still waiting. */
  size: number;
  /** Reason the last attempt failed, or null after a successful submission. */
  reason: string | null;
  /** Run id of a submission the server accepted during this replay. */
  submittedRunId: string | null;
  /** Idempotency-Key of the submission that `submittedRunId` or `rejected` is about. */
  idempotencyKey: string | null;
  /** A queued submission the server rejected with a 4xx, so it was dropped from the queue. */
  rejected: RejectedRunSubmission | null;
}

/** A queued run submission dropped because the server rejected it; sending it again cannot succeed. */
export interface RejectedRunSubmission {
  /** The run as the user started it: question and parameters. */
  run: string;
  /** The server's error message, or the HTTP status when the body had none. */
  message: string;
  /** The server's stable error code, such as CONFLICT, or HTTP_<status>. */
  code: string;
}

export function isRunQueueMessage(data: unknown): data is RunQueueMessage {
  return (
    typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'run-queue'
  );
}

/** Response header the worker sets on the 202 it returns in place of a queued submission. */
export const QUEUED_HEADER = 'x-cleanroom-queued';

/** Cache of GET /api/v1 responses kept for offline reading. */
export const API_CACHE_NAME = 'cleanroom-api-v1';
