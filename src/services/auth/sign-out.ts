import { repositories, type ServiceContext } from '../service-context.ts';
import { hashSessionToken } from './session-token.ts';

/** Deletes the session of a cookie; an unknown or expired one is already signed out. */
export async function signOut(context: ServiceContext, sessionToken: string): Promise<void> {
  await repositories(context.db).sessions.delete(hashSessionToken(sessionToken));
}
