import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Generates a session id for the cookie: 256 random bits, base64url. */
export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Generates a CSRF synchronizer token: 256 random bits, base64url. */
export function generateCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a session id, the only form the database stores. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function looksLikeSessionToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** Compares two tokens in time that does not depend on where they differ. */
export function tokensEqual(expected: string, received: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(received).digest();
  return timingSafeEqual(a, b) && expected.length === received.length;
}
