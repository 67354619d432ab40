import { z } from 'zod';
import { pageSchema } from '../pagination/page.ts';

/** Record of an action: who did it, to which object, and when. */
export const AuditEventSchema = z.object({
  id: z.number().int(),
  organizationId: z.uuid(),
  action: z.string(),
  objectType: z.string(),
  objectId: z.string(),
  cleanRoomId: z.string().nullable(),
  userId: z.string().nullable(),
  apiKeyId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const AuditEventPageSchema = pageSchema(AuditEventSchema);
