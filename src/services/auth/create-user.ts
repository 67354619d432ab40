import { randomUUID } from 'node:crypto';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Database } from '../../adapters/storage/database.ts';
import { repositories } from '../service-context.ts';
import { hashPassword } from './password-hash.ts';
import { checkPasswordLength } from './set-user-password.ts';

export interface NewUser {
  organizationName: string;
  email: string;
  name: string;
  role: 'ADMIN' | 'MEMBER';
  password: string;
}

/** Creates a user of an existing organization with a password for the web app. */
export async function createUser(
  db: Database,
  user: NewUser,
): Promise<{ userId: string; organizationId: string }> {
  checkPasswordLength(user.password);
  const repos = repositories(db);
  const organization = await repos.organizations.findOrganizationByName(user.organizationName);
  if (!organization) {
    throw new AppError(
      'ORGANIZATION_NOT_FOUND',
      `No organization is named "${user.organizationName}"; check the name.`,
    );
  }
  if (await repos.users.findCredentialsByEmail(user.email)) {
    throw new AppError(
      'CONFLICT',
      `A user with the email ${user.email} exists; set their password with \`cleanroom user set-password\`.`,
    );
  }

  const userId = randomUUID();
  const passwordHash = await hashPassword(user.password);
  await db.transaction(async (tx) => {
    const txRepos = repositories(tx);
    await txRepos.organizations.insertUser({
      id: userId,
      organization_id: organization.id,
      email: user.email,
      name: user.name,
      role: user.role,
    });
    await txRepos.users.setPasswordHash(userId, passwordHash);
  });
  return { userId, organizationId: organization.id };
}
