import { apiFetch, apiRequest } from '../api/api-client.ts';
import { PushPublicKeySchema } from '../api/session-schema.ts';

function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text
    .replaceAll('-', '+')
    .replaceAll('_', '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Reads the server's VAPID public key; 404 PUSH_NOT_CONFIGURED when the server has no VAPID keys. */
export const fetchPushPublicKey = () => apiRequest(PushPublicKeySchema, '/push/public-key');

/**
 * Subscribes this browser to run-completion notifications with the server's
 * VAPID public key and stores the subscription on the server. Reads the key
 * first when the caller has none. Rejects when the user denies notifications
 * or the server has no VAPID keys (404).
 */
export async function subscribeToRunNotifications(knownPublicKey?: string): Promise<void> {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error('Notifications are blocked for this site.');

  const publicKey = knownPublicKey ?? (await fetchPushPublicKey()).publicKey;
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: base64UrlToBytes(publicKey),
  });
  await apiFetch('/push/subscriptions', { method: 'POST', body: subscription.toJSON() });
}
