import { z } from 'zod';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';

/** The organization and user a verified OAuth access token names, read from its claims. */
export interface AccessTokenIdentity {
  /** Name of the claim that carried the organization id, for error messages. */
  organizationClaim: string;
  organizationId: string;
  /** The token's `sub`: the id or the email of a user of that organization. */
  subject: string;
}

const uuid = z.uuid();

/**
 * Resolves the organization and user a verified access token names to the
 * caller it acts for. A token naming an unknown organization, or a user
 * outside it, is rejected rather than mapped to anyone.
 */
export async function resolveAccessTokenCaller(
  context: ServiceContext,
  identity: AccessTokenIdentity,
): Promise<Caller> {
  const { organizationClaim, organizationId, subject } = identity;
  if (!uuid.safeParse(organizationId).success) {
    throw new AppError(
      'ACCESS_TOKEN_INVALID',
      `The access token's ${organizationClaim} claim "${organizationId}" is not an organization id (a UUID).`,
    );
  }

  const { organizations } = repositories(context.db);
  const organization = await organizations.findOrganization(organizationId);
  if (!organization) {
    throw new AppError(
      'ACCESS_TOKEN_INVALID',
      `The access token names organization ${organizationId}, which does not exist here.`,
    );
  }

  const user = await organizations.findOrganizationUser(
    organizationId,
    uuid.safeParse(subject).success ? { id: subject } : { email: subject },
  );
  if (!user) {
    throw new AppError(
      'ACCESS_TOKEN_INVALID',
      `The access token's subject "${subject}" is not a user of organization ${organization.name}.`,
    );
  }
  return { organizationId, userId: user.id, apiKeyId: null, role: user.role };
}
