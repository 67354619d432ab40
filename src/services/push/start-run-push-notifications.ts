import { WebPushSender } from '../../adapters/push/web-push-sender.ts';
import type { WebPushSettings } from '../auth/web-access.ts';
import type { ServiceContext } from '../service-context.ts';
import { NOTIFIED_STATUSES, notifyRunFinished, type PushStats } from './notify-run-finished.ts';

export interface RunPushNotifications {
  stats: PushStats;
  /** Resolves once the notifications being sent now are done. */
  settled(): Promise<void>;
  /** Unsubscribes and waits for the notifications being sent. */
  stop(): Promise<void>;
}

/**
 * Subscribes to run events and sends a Web Push notification when a run
 * completes or fails. Every process may run this; the database marker lets
 * exactly one of them send each run's notification.
 */
export function startRunPushNotifications(
  context: ServiceContext,
  settings: WebPushSettings,
): RunPushNotifications {
  const push = {
    sender: new WebPushSender(settings),
    settings,
    stats: { sent: 0, failed: 0, lastFailure: null } as PushStats,
  };
  const pending = new Set<Promise<void>>();
  const unsubscribe = context.runEvents.subscribe((event) => {
    if (!NOTIFIED_STATUSES.has(event.status)) return;

    const task = notifyRunFinished(context, push, event)
      .catch((err: unknown) => {
        context.log.warn({ err, runId: event.runId }, 'run push notification failed');
      })
      .finally(() => pending.delete(task));
    pending.add(task);
  });

  return {
    stats: push.stats,
    settled: async () => {
      await Promise.allSettled([...pending]);
    },
    stop: async () => {
      unsubscribe();
      await Promise.allSettled([...pending]);
    },
  };
}
