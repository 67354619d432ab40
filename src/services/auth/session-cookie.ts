import type { Config } from '../../config/config.ts';

/** Name of the cookie that carries the session id. */
export const SESSION_COOKIE = 'cr_session';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Decides whether the session cookie gets the Secure attribute: always,
 * except for a server on plain http at a host other than loopback, where
 * browsers would drop a Secure cookie. Chromium accepts Secure cookies on
 * http://127.0.0.1 and http://localhost.
 */
export function sessionCookieSecure(config: Pick<Config, 'PUBLIC_URL' | 'HOST'>): boolean {
  if (config.PUBLIC_URL) {
    const url = new URL(config.PUBLIC_URL);
    return url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname);
  }
  return LOOPBACK_HOSTS.has(config.HOST);
}
