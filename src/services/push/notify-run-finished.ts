import type { RunEvent } from '../../adapters/pubsub/run-event-bus.ts';
import type { WebPushSender } from '../../adapters/push/web-push-sender.ts';
import type { PushSubscriptionRow } from '../../adapters/storage/repositories/push-subscriptions-repository.ts';
import type { RunRow } from '../../adapters/storage/repositories/runs-repository.ts';
import type { WebPushSettings } from '../auth/web-access.ts';
import { repositories, type ServiceContext } from '../service-context.ts';

/** Run statuses that end a run and so send a notification. */
export const NOTIFIED_STATUSES = new Set(['COMPLETED', 'FAILED']);

/** Counts of this process's push deliveries, for the system status. */
export interface PushStats {
  sent: number;
  failed: number;
  lastFailure: string | null;
}

export interface RunNotification {
  title: string;
  body: string;
  /** Path of the run in the web app, opened when the user clicks the notification. */
  url: string;
}

/**
 * Sends the notification of a run that completed or failed to every browser
 * of the user who started it. The first process to record the run in
 * push_notifications_sent sends it; the others skip it.
 */
export async function notifyRunFinished(
  context: ServiceContext,
  push: { sender: WebPushSender; settings: WebPushSettings; stats: PushStats },
  event: RunEvent,
): Promise<void> {
  if (!NOTIFIED_STATUSES.has(event.status)) return;

  const repos = repositories(context.db);
  if (!(await repos.pushSubscriptions.claimRunNotification(event.runId, event.status))) return;

  const run = await repos.runs.find(event.runId);
  if (!run?.user_id) return;

  const subscriptions = (await repos.pushSubscriptions.listForUser(run.user_id)).filter(
    (subscription) => subscription.organization_id === run.organization_id,
  );
  const payload = JSON.stringify(runNotification(run, event.status));
  for (const subscription of subscriptions) {
    await deliver(context, push, subscription, payload);
  }
}

function runNotification(run: RunRow, status: RunEvent['status']): RunNotification {
  const failed = status === 'FAILED';
  return {
    title: failed ? 'Run failed' : 'Run completed',
    body: failed
      ? `${run.name} failed: ${run.failure_reason ?? 'see the run for the reason'}`
      : `${run.name} is ready; open it to read the results.`,
    url: `/runs/${run.id}`,
  };
}

async function deliver(
  context: ServiceContext,
  push: { sender: WebPushSender; settings: WebPushSettings; stats: PushStats },
  subscription: PushSubscriptionRow,
  payload: string,
): Promise<void> {
  const target = {
    endpoint: subscription.endpoint,
    keys: { p256dh: subscription.p256dh, auth: subscription.auth },
  };
  const fields = { subscriptionId: subscription.id, userId: subscription.user_id };
  try {
    const status = await push.sender.send(target, payload, push.settings.ttlSeconds);
    if (status === 404 || status === 410) {
      // RFC 8030 section 7.3: the subscription expired or was removed, so it will never deliver again.
      await repositories(context.db).pushSubscriptions.deleteById(subscription.id);
      context.log.info({ ...fields, status }, 'push subscription gone, deleted');
      return;
    }
    if (status >= 200 && status < 300) {
      push.stats.sent += 1;
      return;
    }
    recordFailure(context, push.stats, fields, `push service answered HTTP ${status}`);
  } catch (err) {
    recordFailure(context, push.stats, fields, (err as Error).message);
  }
}

function recordFailure(
  context: ServiceContext,
  stats: PushStats,
  fields: Record<string, string>,
  reason: string,
): void {
  stats.failed += 1;
  stats.lastFailure = reason;
  context.log.warn({ ...fields, reason }, 'push notification not delivered');
}
