import { z } from 'zod/mini';
import type { Session } from './session-schema.ts';

/**
 * The session response (`POST /api/v1/auth/login`, `GET /api/v1/auth/session`)
 * in zod/mini, so that the first route validates it without loading the full
 * zod library. It repeats SessionViewSchema in src/domain/auth/session-view.ts:
 * the type check below fails when the two outputs differ, and
 * test/web/first-route-schemas.test.ts runs both on the same values.
 */
export const SessionMiniSchema = z.object({
  user: z.object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(['ADMIN', 'MEMBER']),
  }),
  organization: z.object({ id: z.uuid(), name: z.string(), kind: z.string() }),
  csrfToken: z.string(),
  expiresAt: z.iso.datetime(),
});

type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const outputMatchesSession: SameType<z.infer<typeof SessionMiniSchema>, Session> = true;
void outputMatchesSession;
