import { z } from 'zod';

export const OrganizationKindSchema = z.enum([
  'ADVERTISER',
  'PUBLISHER',
  'RETAILER',
  'AGENCY',
  'OTHER',
]);

export const OrganizationSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: OrganizationKindSchema,
  createdAt: z.iso.datetime(),
});
export type Organization = z.infer<typeof OrganizationSchema>;

export const ApiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  /** First characters of the key, enough to tell keys apart. */
  prefix: z.string(),
  userId: z.uuid(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** Response to creating a key: the only time the secret is shown. */
export const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export const CreateApiKeyRequestSchema = z
  .object({ name: z.string().trim().min(1).max(100) })
  .strict();
