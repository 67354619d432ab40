import { z } from 'zod';
import type { SessionWithUserRow } from '../../adapters/storage/repositories/sessions-repository.ts';
import type { SessionView } from '../../domain/auth/session-view.ts';
import { PASSWORD_MAX_LENGTH } from './password-hash.ts';

// The services that build a session view (sign-in, resolve-session) import its type from here.
export type { SessionView } from '../../domain/auth/session-view.ts';

export const LoginRequestSchema = z
  .object({
    email: z.string().trim().min(1).max(320),
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  })
  .strict();
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

/** Maps a session row joined with its user and organization to the response the web app reads. */
export function toSessionView(row: SessionWithUserRow): SessionView {
  return {
    user: { id: row.user_id, email: row.user_email, name: row.user_name, role: row.user_role },
    organization: {
      id: row.organization_id,
      name: row.organization_name,
      kind: row.organization_kind,
    },
    csrfToken: row.csrf_token,
    expiresAt: row.expires_at.toISOString(),
  };
}
