import { setCsrfToken } from './api-client.ts';
import type { Session } from './session-schema.ts';

const STORAGE_KEY = 'cleanroom.session';

/** Stores who signed in last, without the CSRF token, so the app can show cached pages offline. */
export function rememberSession(session: Session | null): void {
  setCsrfToken(session?.csrfToken ?? null);
  if (session === null) {
    localStorage.removeItem(STORAGE_KEY);
    return;
  }
  const { user, organization } = session;
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ user, organization }));
}

export function readRememberedSession(): Session | null {
  const text = localStorage.getItem(STORAGE_KEY);
  if (text === null) return null;

  try {
    const stored = JSON.parse(text) as Omit<Session, 'csrfToken'>;
    return { ...stored, csrfToken: '' };
  } catch {
    return null;
  }
}
