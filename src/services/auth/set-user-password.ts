import { AppError } from '../../domain/errors/app-error.ts';
import type { Queryable } from '../../adapters/storage/database.ts';
import { repositories } from '../service-context.ts';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-hash.ts';

/**
 * Sets a user's password, found by email, and signs the user out of every
 * browser, so a password changed after a leak locks the old sessions out.
 */
export async function setUserPassword(
  db: Queryable,
  email: string,
  password: string,
): Promise<{ userId: string; sessionsEnded: number }> {
  checkPasswordLength(password);
  const repos = repositories(db);
  const user = await repos.users.findCredentialsByEmail(email);
  if (!user)
    throw new AppError(
      'NOT_FOUND',
      `No user has the email ${email}; check the address or create the user with \`cleanroom user create\`.`,
    );

  await repos.users.setPasswordHash(user.id, await hashPassword(password));
  const sessionsEnded = await repos.sessions.deleteForUser(user.id);
  return { userId: user.id, sessionsEnded };
}

export function checkPasswordLength(password: string): void {
  if (password.length >= PASSWORD_MIN_LENGTH && password.length <= PASSWORD_MAX_LENGTH) return;

  throw new AppError(
    'VALIDATION_FAILED',
    `The password has ${password.length} characters; use ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH}.`,
    { details: { field: 'password' } },
  );
}
