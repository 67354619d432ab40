import { randomUUID } from 'node:crypto';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { webAccessOf, type WebPushSettings } from '../auth/web-access.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { requireWebPush } from './get-push-public-key.ts';
import type { PushSubscriptionRequest, PushSubscriptionView } from './push-subscription-request.ts';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Stores the caller's browser subscription, so runs they start notify that browser when they end. */
export async function savePushSubscription(
  context: ServiceContext,
  caller: Caller,
  request: PushSubscriptionRequest,
): Promise<PushSubscriptionView> {
  const settings = requireWebPush(webAccessOf(context));
  checkEndpoint(request.endpoint, settings);
  checkKey('keys.p256dh', request.keys.p256dh, 65);
  checkKey('keys.auth', request.keys.auth, 16);

  const row = await repositories(context.db).pushSubscriptions.upsert({
    id: randomUUID(),
    user_id: caller.userId,
    organization_id: caller.organizationId,
    endpoint: request.endpoint,
    p256dh: request.keys.p256dh,
    auth: request.keys.auth,
  });
  return { id: row.id, endpoint: row.endpoint, createdAt: row.created_at.toISOString() };
}

/**
 * Push services are reached over https only (RFC 8030). Plain http on
 * loopback is allowed when PUSH_ALLOW_INSECURE_ENDPOINTS is set, for a
 * local test push service.
 */
function checkEndpoint(endpoint: string, settings: WebPushSettings): void {
  const url = new URL(endpoint);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && settings.allowInsecureEndpoints && LOCAL_HOSTS.has(url.hostname))
    return;

  throw new AppError(
    'PUSH_SUBSCRIPTION_INVALID',
    `The push endpoint ${url.origin} is not https; send the subscription the browser's PushManager returned.`,
    { details: { field: 'endpoint' } },
  );
}

function checkKey(field: string, value: string, bytes: number): void {
  if (Buffer.from(value, 'base64url').length === bytes) return;

  throw new AppError(
    'PUSH_SUBSCRIPTION_INVALID',
    `${field} must decode to ${bytes} bytes; send the subscription's keys unchanged.`,
    { details: { field } },
  );
}
