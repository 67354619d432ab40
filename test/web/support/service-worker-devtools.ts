import type { CDPSession, Page } from 'playwright-core';

/**
 * Drives the page's service worker through the Chrome DevTools Protocol
 * (the ServiceWorker and BackgroundService domains), as DevTools'
 * Application panel does. It delivers push messages and fires background
 * sync events, which a test could not otherwise trigger on demand.
 */

interface RegistrationUpdate {
  registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[];
}

interface BackgroundServiceEventReceived {
  backgroundServiceEvent: {
    eventName: string;
    eventMetadata: { key: string; value: string }[];
  };
}

/** A background sync event as Chromium recorded it, such as "Dispatched sync event". */
export interface RecordedSyncEvent {
  name: string;
  metadata: Record<string, string>;
}

export interface ServiceWorkerDevTools {
  /** Delivers a push message with this payload text, as a push service would. */
  deliverPush(payload: string): Promise<void>;
  /** Fires the `sync` event for this tag, as Chromium does when the network is back. */
  dispatchSync(tag: string): Promise<void>;
  /** Background sync events recorded since the session started, oldest first. */
  syncEvents: RecordedSyncEvent[];
  detach(): Promise<void>;
}

function waitForRegistrationId(session: CDPSession, scope: string): Promise<string> {
  return new Promise((resolve) => {
    const onUpdate = (update: RegistrationUpdate) => {
      const match = update.registrations.find(
        (registration) => registration.scopeURL === scope && !registration.isDeleted,
      );
      if (match === undefined) return;
      session.off('ServiceWorker.workerRegistrationUpdated', onUpdate);
      resolve(match.registrationId);
    };
    session.on('ServiceWorker.workerRegistrationUpdated', onUpdate);
  });
}

async function recordSyncEvents(session: CDPSession): Promise<RecordedSyncEvent[]> {
  const events: RecordedSyncEvent[] = [];
  session.on('BackgroundService.backgroundServiceEventReceived', (received) => {
    const { eventName, eventMetadata } = (received as BackgroundServiceEventReceived)
      .backgroundServiceEvent;
    const metadata = Object.fromEntries(eventMetadata.map(({ key, value }) => [key, value]));
    events.push({ name: eventName, metadata });
  });
  await session.send('BackgroundService.startObserving', { service: 'backgroundSync' });
  // Chromium reports background sync events only while recording is on.
  await session.send('BackgroundService.setRecording', {
    shouldRecord: true,
    service: 'backgroundSync',
  });
  return events;
}

/** Opens a DevTools session on the page and finds the service worker registration whose scope is `${baseUrl}/`. */
export async function attachServiceWorkerDevTools(
  page: Page,
  baseUrl: string,
): Promise<ServiceWorkerDevTools> {
  const session = await page.context().newCDPSession(page);
  const registration = waitForRegistrationId(session, `${baseUrl}/`);
  await session.send('ServiceWorker.enable');
  const registrationId = await registration;
  const syncEvents = await recordSyncEvents(session);

  return {
    deliverPush: async (payload) => {
      await session.send('ServiceWorker.deliverPushMessage', {
        origin: baseUrl,
        registrationId,
        data: payload,
      });
    },
    dispatchSync: async (tag) => {
      await session.send('ServiceWorker.dispatchSyncEvent', {
        origin: baseUrl,
        registrationId,
        tag,
        lastChance: false,
      });
    },
    syncEvents,
    detach: () => session.detach(),
  };
}
