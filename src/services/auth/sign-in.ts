import { AppError } from '../../domain/errors/app-error.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import type { LoginAttempt } from './login-throttle.ts';
import { verifyDummyPassword, verifyPassword } from './password-hash.ts';
import { generateCsrfToken, generateSessionToken, hashSessionToken } from './session-token.ts';
import { toSessionView, type SessionView } from './session-view.ts';
import { webAccessOf, type WebAccess } from './web-access.ts';

export interface SignInRequest extends LoginAttempt {
  password: string;
}

export interface SignedIn {
  /** Value of the session cookie; the database stores only its SHA-256. */
  sessionToken: string;
  session: SessionView;
  /** Absolute end of the session, for the cookie's Max-Age. */
  absoluteExpiresAt: Date;
}

/**
 * Checks an email and password and opens a session. Wrong email and wrong
 * password fail alike, with the same message and the same argon2 work.
 */
export async function signIn(context: ServiceContext, request: SignInRequest): Promise<SignedIn> {
  const access = webAccessOf(context);
  await access.loginThrottle.check(request);

  const user = await repositories(context.db).users.findCredentialsByEmail(request.email);
  const valid = user?.password_hash
    ? await verifyPassword(user.password_hash, request.password)
    : await verifyDummyPassword(request.password);
  if (!user || !valid) {
    await access.loginThrottle.recordFailure(request);
    context.log.info({ userId: user?.id, clientIp: request.clientIp }, 'sign-in failed');
    throw new AppError('INVALID_CREDENTIALS', 'Wrong email or password.');
  }

  await access.loginThrottle.recordSuccess(request);
  const signedIn = await openSession(context, access, user.id, user.organization_id);
  context.log.info({ userId: user.id, organizationId: user.organization_id }, 'signed in');
  return signedIn;
}

async function openSession(
  context: ServiceContext,
  access: WebAccess,
  userId: string,
  organizationId: string,
): Promise<SignedIn> {
  const sessionToken = generateSessionToken();
  const idHash = hashSessionToken(sessionToken);
  const now = Date.now();
  const absoluteExpiresAt = new Date(now + access.sessionMaxAgeMs);
  const expiresAt = new Date(Math.min(now + access.sessionTtlMs, absoluteExpiresAt.getTime()));

  const sessions = repositories(context.db).sessions;
  // Sign-in is rare next to other requests, so it also deletes expired sessions.
  await sessions.deleteExpired(new Date(now));
  await sessions.insert({
    id_hash: idHash,
    user_id: userId,
    organization_id: organizationId,
    csrf_token: generateCsrfToken(),
    expires_at: expiresAt,
    absolute_expires_at: absoluteExpiresAt,
  });
  const row = await sessions.findByHash(idHash);
  return { sessionToken, session: toSessionView(row!), absoluteExpiresAt };
}
