import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm } from '@node-rs/argon2';

/**
 * argon2id parameters of the minimum configuration the OWASP Password
 * Storage Cheat Sheet recommends: 19 MiB of memory, 2 passes, 1 lane.
 */
const ARGON2_OPTIONS = {
  // Algorithm.Argon2id; a const enum, which verbatimModuleSyntax cannot import as a value.
  algorithm: 2 as Algorithm,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

/** Minimum password length, in characters. */
export const PASSWORD_MIN_LENGTH = 12;
/** Maximum password length, in characters, which bounds the work one sign-in request can cause. */
export const PASSWORD_MAX_LENGTH = 1024;

/** Hashes a password with argon2id; the result is a PHC string with its salt and parameters. */
export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** Checks a password against a PHC string; false for a wrong password or a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against a hash of a random password, so a sign-in with an unknown
 * email costs the same argon2 work as one with a wrong password.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  await verifyPassword(await dummyHash, password);
  return false;
}

/** Creates a random password of 24 base64url characters (144 bits), such as the demo users get. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
