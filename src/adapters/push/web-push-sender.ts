import webpush from 'web-push';

/** A browser's push subscription, as PushSubscription.toJSON() returns it. */
export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact that push services may use. */
  subject: string;
}

/** Maximum wait for a push service's response, in milliseconds. */
const SEND_TIMEOUT_MS = 10_000;

/**
 * Sends Web Push messages. The web-push library builds the request (VAPID
 * JWT per RFC 8292, aes128gcm payload encryption per RFC 8291) and fetch
 * delivers it. So a timeout bounds every send, and a test push service on
 * http://127.0.0.1 works too, because sendNotification of web-push 3.6
 * calls https.request only.
 */
export class WebPushSender {
  constructor(private readonly vapid: VapidKeys) {}

  /** Delivers one message; returns the push service's HTTP status (201 on success, 404 or 410 when the subscription is gone). */
  async send(target: PushTarget, payload: string, ttlSeconds: number): Promise<number> {
    const request = webpush.generateRequestDetails(target, payload, {
      vapidDetails: this.vapid,
      TTL: ttlSeconds,
      contentEncoding: 'aes128gcm',
    });
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
    );
    const response = await fetch(request.endpoint, {
      method: request.method,
      headers,
      body: request.body ?? undefined,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.status;
  }
}

/** Creates a new VAPID key pair (P-256), base64url encoded. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  return webpush.generateVAPIDKeys();
}
