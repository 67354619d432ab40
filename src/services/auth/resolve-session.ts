import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { hashSessionToken, looksLikeSessionToken } from './session-token.ts';
import { toSessionView, type SessionView } from './session-view.ts';
import { webAccessOf } from './web-access.ts';

/** Minimum time between two renewals of one session, so reads do not write on every request. */
const RENEWAL_RESOLUTION_MS = 60_000;

export interface ResolvedSession {
  caller: Caller;
  session: SessionView;
}

export interface ResolveSessionOptions {
  /** False for checks that are not user activity, such as an open socket's periodic recheck; true when absent. */
  renew?: boolean;
}

/**
 * Resolves a session cookie to its caller and, unless `renew` is false,
 * pushes the idle expiry forward (sliding renewal), never past the absolute
 * expiry. An expired session is deleted and rejected with SESSION_EXPIRED.
 */
export async function resolveSession(
  context: ServiceContext,
  sessionToken: string,
  { renew = true }: ResolveSessionOptions = {},
): Promise<ResolvedSession> {
  if (!looksLikeSessionToken(sessionToken)) {
    throw new AppError('UNAUTHENTICATED', 'The session cookie is malformed; sign in again.');
  }

  const idHash = hashSessionToken(sessionToken);
  const sessions = repositories(context.db).sessions;
  const row = await sessions.findByHash(idHash);
  if (!row) throw new AppError('UNAUTHENTICATED', 'The session is not valid; sign in again.');

  const now = Date.now();
  if (row.expires_at.getTime() <= now || row.absolute_expires_at.getTime() <= now) {
    await sessions.delete(idHash);
    throw new AppError('SESSION_EXPIRED', 'The session has expired; sign in again.');
  }

  if (renew && now - row.last_seen_at.getTime() > RENEWAL_RESOLUTION_MS) {
    const expiresAt = new Date(
      Math.min(now + webAccessOf(context).sessionTtlMs, row.absolute_expires_at.getTime()),
    );
    await sessions.renew(idHash, expiresAt);
    row.expires_at = expiresAt;
  }
  return {
    caller: {
      organizationId: row.organization_id,
      userId: row.user_id,
      apiKeyId: null,
      role: row.user_role,
    },
    session: toSessionView(row),
  };
}
