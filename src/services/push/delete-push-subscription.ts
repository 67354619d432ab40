import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';

/** Deletes the caller's subscription of one endpoint, as when the user turns notifications off. */
export async function deletePushSubscription(
  context: ServiceContext,
  caller: Caller,
  endpoint: string,
): Promise<void> {
  const deleted = await repositories(context.db).pushSubscriptions.deleteForUser(
    caller.userId,
    endpoint,
  );
  if (!deleted) {
    throw new AppError('NOT_FOUND', `You have no push subscription with endpoint ${endpoint}.`);
  }
}
