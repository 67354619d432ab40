import type { IdentifierType, ImportLineError } from '../../domain/datasets/dataset.ts';
import type { IdentifierHint } from './engine.ts';
import {
  fullMatchRegex,
  fullMatchSql,
  lowerTrimmedSql,
  plainTrimmedSql,
  WHITESPACE_EDGES,
} from './sql-fragments.ts';

/** Identifier kinds that have a rule. The hint NONE declares a column that is not an identifier. */
export type IdentifierKind = Exclude<IdentifierHint, 'NONE'>;

/**
 * Normalisation, validation and storage of one kind of identifier. Each
 * rule exists twice, as DuckDB SQL for the import itself and as JavaScript
 * for the pass that finds the line numbers of rejected rows. The two must
 * stay equivalent, so they share the regular expressions below.
 */
export interface IdentifierRule {
  storedType: IdentifierType;
  /** Name of the stored column when the raw value is hashed; null keeps the source column's name. */
  hashedName: string | null;
  invalidCode: ImportLineError['code'];
  /** Completes "Column "x" …"; never includes the value, which may be personal data. */
  invalidMessage: string;
  normalize(value: string | null): string | null;
  isValid(normalized: string): boolean;
  /**
   * SQL of the normalised value of `column`: NULL or '' when empty. It is
   * not wrapped in NULLIF because DuckDB copies the expression into every
   * filter that uses it, and the import is faster with one copy.
   */
  normalizedSql(column: string): string;
  /** SQL that is true when the normalised value is valid, false for '', NULL for NULL. */
  validSql(normalized: string): string;
  /** SQL of the value written to Parquet. */
  storedSql(normalized: string): string;
}

/** Local part, "@", and a domain of two or more dot-separated labels; no whitespace anywhere. */
const EMAIL_PATTERN = String.raw`[^@ \t\n\v\f\r]+@[^@ \t\n\v\f\r.]+(\.[^@ \t\n\v\f\r.]+)+`;
const PHONE_PATTERN = String.raw`\+?[0-9 ().-]+`;
/** E.164 numbers have at most 15 digits; 8 is the shortest with a country code in practice. */
const PHONE_DIGITS_MIN = 8;
const PHONE_DIGITS_MAX = 15;
const SHA256_PATTERN = '[0-9a-f]{64}';
const UUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** Devices with ad tracking limited report an all-zero advertising ID, which identifies no one. */
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const OPAQUE_ID_MAX_BYTES = 255;

const emailRegex = fullMatchRegex(EMAIL_PATTERN);
const phoneRegex = fullMatchRegex(PHONE_PATTERN);
const sha256Regex = fullMatchRegex(SHA256_PATTERN);
const uuidRegex = fullMatchRegex(UUID_PATTERN);

function trimmed(value: string | null): string | null {
  if (value === null) return null;
  const result = value.replace(WHITESPACE_EDGES, '');
  return result === '' ? null : result;
}

/**
 * Returns the digits of a phone number in E.164 form, without the "+". A
 * leading "+" or the international prefix "00" marks the country code. Any
 * other number is taken to start with its country code already, so a
 * national number with a trunk "0" is rejected rather than guessed.
 *
 * NOTE: a national number without a trunk "0", such as the US "(415)
 * 555-2671", passes as if 415 were its country code. A per-upload default
 * country would fix it.
 */
export function phoneDigits(normalized: string): string {
  const digits = normalized.replace(/[^0-9]/g, '');
  if (normalized.startsWith('+')) return digits;
  return digits.startsWith('00') ? digits.slice(2) : digits;
}

function phoneDigitsSql(normalized: string): string {
  const digits = `regexp_replace(${normalized}, '[^0-9]', '', 'g')`;
  return `(CASE WHEN starts_with(${normalized}, '+') THEN ${digits} ELSE regexp_replace(${digits}, '^00', '') END)`;
}

const email: IdentifierRule = {
  storedType: 'EMAIL_SHA256',
  hashedName: 'email_sha256',
  invalidCode: 'INVALID_EMAIL',
  invalidMessage: 'does not contain a valid email address',
  normalize: (value) => trimmed(value)?.toLowerCase() ?? null,
  isValid: (normalized) => emailRegex.test(normalized),
  normalizedSql: lowerTrimmedSql,
  validSql: (n) => fullMatchSql(n, EMAIL_PATTERN),
  storedSql: (n) => `sha256(${n})`,
};

const phone: IdentifierRule = {
  storedType: 'PHONE_SHA256',
  hashedName: 'phone_sha256',
  invalidCode: 'INVALID_PHONE',
  invalidMessage: `does not contain a valid phone number with its country code (E.164, ${PHONE_DIGITS_MIN} to ${PHONE_DIGITS_MAX} digits, such as +44 20 7946 0958)`,
  normalize: trimmed,
  isValid: (normalized) => {
    const digits = phoneDigits(normalized);
    const lengthFits = digits.length >= PHONE_DIGITS_MIN && digits.length <= PHONE_DIGITS_MAX;
    return phoneRegex.test(normalized) && lengthFits && !digits.startsWith('0');
  },
  normalizedSql: plainTrimmedSql,
  validSql: (n) => {
    const digits = phoneDigitsSql(n);
    return `(${fullMatchSql(n, PHONE_PATTERN)} AND strlen(${digits}) BETWEEN ${PHONE_DIGITS_MIN} AND ${PHONE_DIGITS_MAX} AND NOT starts_with(${digits}, '0'))`;
  },
  storedSql: (n) => `sha256('+' || ${phoneDigitsSql(n)})`,
};

function hashedRule(storedType: IdentifierType): IdentifierRule {
  return {
    storedType,
    hashedName: null,
    invalidCode: 'INVALID_VALUE',
    invalidMessage: 'does not contain a SHA-256 hash (64 hexadecimal characters)',
    normalize: (value) => trimmed(value)?.toLowerCase() ?? null,
    isValid: (normalized) => sha256Regex.test(normalized),
    normalizedSql: lowerTrimmedSql,
    validSql: (n) => fullMatchSql(n, SHA256_PATTERN),
    storedSql: (n) => n,
  };
}

const maid: IdentifierRule = {
  storedType: 'MAID',
  hashedName: null,
  invalidCode: 'INVALID_VALUE',
  invalidMessage:
    'does not contain a mobile advertising ID (a non-zero UUID such as an IDFA or GAID)',
  normalize: (value) => trimmed(value)?.toLowerCase() ?? null,
  isValid: (normalized) => uuidRegex.test(normalized) && normalized !== ZERO_UUID,
  normalizedSql: lowerTrimmedSql,
  validSql: (n) => `(${fullMatchSql(n, UUID_PATTERN)} AND ${n} <> '${ZERO_UUID}')`,
  storedSql: (n) => n,
};

function opaqueRule(storedType: IdentifierType): IdentifierRule {
  return {
    storedType,
    hashedName: null,
    invalidCode: 'INVALID_VALUE',
    invalidMessage: `contains an identifier longer than ${OPAQUE_ID_MAX_BYTES} bytes`,
    normalize: trimmed,
    isValid: (normalized) => Buffer.byteLength(normalized) <= OPAQUE_ID_MAX_BYTES,
    normalizedSql: plainTrimmedSql,
    validSql: (n) => `(${n} <> '' AND strlen(${n}) <= ${OPAQUE_ID_MAX_BYTES})`,
    storedSql: (n) => n,
  };
}

export const identifierRules: Record<IdentifierKind, IdentifierRule> = {
  EMAIL: email,
  PHONE: phone,
  EMAIL_SHA256: hashedRule('EMAIL_SHA256'),
  PHONE_SHA256: hashedRule('PHONE_SHA256'),
  RAMPID: opaqueRule('RAMPID'),
  MAID: maid,
  CUSTOMER_ID: opaqueRule('CUSTOMER_ID'),
};
