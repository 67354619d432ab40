import { hash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'crk_';

/** Creates a new API key: `crk_` and 32 base64url characters (192 random bits). */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
}

/** Returns the SHA-256 of the key in hex, the form stored. crypto.hash is the one-shot form of createHash, cheaper per call. */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

export function looksLikeApiKey(value: string): boolean {
  return /^crk_[A-Za-z0-9_-]{32}$/.test(value);
}
