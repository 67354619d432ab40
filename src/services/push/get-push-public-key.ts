import { AppError } from '../../domain/errors/app-error.ts';
import { webAccessOf, type WebAccess, type WebPushSettings } from '../auth/web-access.ts';
import type { ServiceContext } from '../service-context.ts';

/** Returns the VAPID public key a browser passes to PushManager.subscribe as applicationServerKey. */
export function getPushPublicKey(context: ServiceContext): { publicKey: string } {
  return { publicKey: requireWebPush(webAccessOf(context)).publicKey };
}

export function requireWebPush(access: WebAccess): WebPushSettings {
  if (access.webPush) return access.webPush;

  throw new AppError(
    'PUSH_NOT_CONFIGURED',
    'Web Push is not configured on this server; set VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT (`cleanroom vapid-keys` prints a key pair).',
  );
}
