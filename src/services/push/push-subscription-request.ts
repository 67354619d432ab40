import { z } from 'zod';

const base64url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');

/** A browser's PushSubscription.toJSON(); fields browsers may add beyond these are ignored. */
export const PushSubscriptionRequestSchema = z.object({
  endpoint: z.url().max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    /** The browser's P-256 public key, 65 bytes uncompressed. */
    p256dh: base64url.max(200),
    /** The 16-byte authentication secret. */
    auth: base64url.max(100),
  }),
});
export type PushSubscriptionRequest = z.infer<typeof PushSubscriptionRequestSchema>;

export const DeletePushSubscriptionRequestSchema = z.object({ endpoint: z.url().max(2048) });

export const PushSubscriptionViewSchema = z.object({
  id: z.uuid(),
  endpoint: z.string(),
  createdAt: z.iso.datetime(),
});
export type PushSubscriptionView = z.infer<typeof PushSubscriptionViewSchema>;
