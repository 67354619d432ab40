import { z } from 'zod';

/**
 * Response of `POST /api/v1/auth/login` and `GET /api/v1/auth/session`: the
 * signed-in user, their organization and the CSRF token for state-changing
 * requests.
 */
export const SessionViewSchema = z.object({
  user: z.object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(['ADMIN', 'MEMBER']),
  }),
  organization: z.object({ id: z.uuid(), name: z.string(), kind: z.string() }),
  /** Send it as the X-CSRF-Token header on every POST, PUT, PATCH and DELETE. */
  csrfToken: z.string(),
  /** Idle expiry of the session, ISO 8601; each use pushes it forward up to the absolute expiry. */
  expiresAt: z.iso.datetime(),
});
export type SessionView = z.infer<typeof SessionViewSchema>;
