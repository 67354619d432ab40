import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';

/** Rejects callers whose user is not an ADMIN of their organization. */
export function requireAdmin(caller: Caller, action: string): void {
  if (caller.role === 'ADMIN') return;

  throw new AppError(
    'FORBIDDEN',
    `Your user has the role ${caller.role}; ${action} needs ADMIN. Use an API key of an ADMIN user.`,
    { details: { role: caller.role, requiredRole: 'ADMIN' } },
  );
}
