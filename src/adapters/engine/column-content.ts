import { quotedString } from '@duckdb/node-api';
import { identifierRules, type IdentifierKind } from './identifier-rules.ts';
import {
  fullMatchRegex,
  fullMatchSql,
  lowerTrimmedSql,
  plainTrimmedSql,
  WHITESPACE_EDGES,
} from './sql-fragments.ts';

/** Kinds of personal data an import recognises from a column's values, whatever the column is called. */
export type ContentKind = 'EMAIL' | 'PHONE' | 'SHA256';

/**
 * Minimum share of a column's non-empty values, over the whole file, that
 * must match one kind for the column to be treated as that kind. Half is
 * low on purpose. A column missed here keeps its phone numbers or hashes
 * as they are. A column taken by mistake only loses the values that do not
 * match, and the NONE hint gives them back.
 */
export const CONTENT_MATCH_SHARE = 0.5;

/**
 * Minimum share of sampled values that must match for a column to become
 * the identifier that decides which rows are valid. It is stricter than
 * `CONTENT_MATCH_SHARE` because every row whose value does not match is
 * then rejected.
 */
export const KEY_MATCH_SHARE = 0.8;

/**
 * The EMAIL rule's pattern with a top-level domain that starts with a
 * letter, as every delegated TLD does, so that a package version such as
 * "lodash@4.17.21" is not taken for an address.
 */
const EMAIL_ADDRESS_PATTERN = String.raw`[^@ \t\n\v\f\r]+@[^@ \t\n\v\f\r.]+(\.[^@ \t\n\v\f\r.]+)*\.[A-Za-z][A-Za-z0-9-]*`;
const SHA256_HEX_PATTERN = '[0-9A-Fa-f]{64}';
/** Codes of the characters a phone number in international form can start with: "+", "0" and whitespace. */
const PHONE_FIRST_CODES = [43, 48, 32, 9, 10, 11, 12, 13];
/** Start of a phone number in international form, after any whitespace. */
const INTERNATIONAL_PREFIX_PATTERN = String.raw`^[ \t\n\v\f\r]*(\+|00)`;
/** Run of the whitespace that `trim` removes. No pattern above starts or ends with such a character. */
const WHITESPACE_RUN = String.raw`[ \t\n\v\f\r]*`;
/** Texts that replace the personal data found in a text column, by kind. */
export const REPLACEMENT_TEXTS: Record<ContentKind, string> = {
  EMAIL: '[email removed]',
  PHONE: '[phone removed]',
  SHA256: '[hash removed]',
};

const emailAddressRegex = fullMatchRegex(EMAIL_ADDRESS_PATTERN);
const sha256HexRegex = fullMatchRegex(SHA256_HEX_PATTERN);

/**
 * Recognition and storage of the values of one kind. `matchesSql` and
 * `matches` are twins, like the identifier rules: the first decides in
 * DuckDB which values are kept, the second picks identifiers from the
 * sampled values before the file is read.
 */
interface ContentRule {
  /** Identifier kind stored for the column, or null to keep the values as they are and flag them as PII. */
  identifier: IdentifierKind | null;
  /** Tells whether a value without surrounding whitespace has this kind. */
  matches(trimmed: string): boolean;
  /** SQL that is true when the raw text `column` has this kind, false when it is NULL. */
  matchesSql(column: string): string;
  /** SQL of the stored value of a raw text `column` whose value matches. */
  storedSql(column: string): string;
}

const phoneRule = identifierRules.PHONE;
const emailRule = identifierRules.EMAIL;

export const contentRules: Record<ContentKind, ContentRule> = {
  EMAIL: {
    identifier: 'EMAIL',
    matches: (trimmed) => emailAddressRegex.test(trimmed),
    matchesSql: (column) =>
      cheapTestFirstSql(`contains(${column}, '@')`, paddedMatchSql(column, EMAIL_ADDRESS_PATTERN)),
    storedSql: (column) => emailRule.storedSql(emailRule.normalizedSql(column)),
  },
  // Only numbers in international form, with "+" or "00" before the country
  // code, count: without it an order number or an amount in cents of 8 to 15
  // digits would pass for a phone number.
  PHONE: {
    identifier: 'PHONE',
    matches: (trimmed) => /^(\+|00)/.test(trimmed) && phoneRule.isValid(trimmed),
    matchesSql: (column) =>
      cheapTestFirstSql(
        `ascii(${column}) IN (${PHONE_FIRST_CODES.join(', ')})`,
        cheapTestFirstSql(
          `regexp_matches(${column}, ${quotedString(INTERNATIONAL_PREFIX_PATTERN)})`,
          phoneRule.validSql(plainTrimmedSql(column)),
        ),
      ),
    storedSql: (column) => phoneRule.storedSql(phoneRule.normalizedSql(column)),
  },
  // Hashes of unknown kind: they cannot be joined as emails or phones, but
  // they still single out a person, so they are kept as PII.
  SHA256: {
    identifier: null,
    matches: (trimmed) => sha256HexRegex.test(trimmed),
    matchesSql: (column) =>
      cheapTestFirstSql(`strlen(${column}) >= 64`, paddedMatchSql(column, SHA256_HEX_PATTERN)),
    storedSql: (column) => lowerTrimmedSql(column),
  },
};

/**
 * SQL that runs `expensive` only where `cheap` is true. In an aggregate's
 * FILTER, DuckDB 1.5 evaluates both sides of an AND on every row, and a CASE
 * is what limits the regular expressions to the few rows that need them.
 * Counting phone numbers in two text columns of 2M rows took 5 s with an
 * AND and under 0.5 s with a CASE on two cores.
 */
function cheapTestFirstSql(cheap: string, expensive: string): string {
  return `CASE WHEN ${cheap} THEN ${expensive} ELSE false END`;
}

/** Full match of `pattern` on the raw value with surrounding whitespace allowed, which spares a trim per value. */
function paddedMatchSql(column: string, pattern: string): string {
  return fullMatchSql(column, `${WHITESPACE_RUN}(${pattern})${WHITESPACE_RUN}`);
}

export const CONTENT_KINDS = Object.keys(contentRules) as ContentKind[];

/** Counts of one column's values, read over the whole file. */
export interface ContentCounts {
  present: number;
  matching: Record<ContentKind, number>;
}

/** Returns the kind that at least `CONTENT_MATCH_SHARE` of the present values match, or null. */
export function classifyContent(counts: ContentCounts): ContentKind | null {
  if (counts.present === 0) return null;
  return (
    CONTENT_KINDS.find((kind) => counts.matching[kind] >= counts.present * CONTENT_MATCH_SHARE) ??
    null
  );
}

/**
 * Returns the identifier kind that at least `KEY_MATCH_SHARE` of the
 * sampled non-empty values match: an email or a phone number in
 * international form. Hashes do not count, because their kind is unknown.
 */
export function sampledIdentifierKind(values: (string | null)[]): 'EMAIL' | 'PHONE' | null {
  const present = presentValues(values);
  if (mostlyMatch(present, 'EMAIL')) return 'EMAIL';
  return mostlyMatch(present, 'PHONE') ? 'PHONE' : null;
}

/** Tells whether at least `KEY_MATCH_SHARE` of the sampled non-empty values are SHA-256 hashes. */
export function sampleHoldsHashes(values: (string | null)[]): boolean {
  return mostlyMatch(presentValues(values), 'SHA256');
}

function presentValues(values: (string | null)[]): string[] {
  return values
    .map((value) => value?.replace(WHITESPACE_EDGES, '') ?? '')
    .filter((value) => value !== '');
}

function mostlyMatch(present: string[], kind: ContentKind): boolean {
  const matching = present.filter((value) => contentRules[kind].matches(value)).length;
  return present.length > 0 && matching >= present.length * KEY_MATCH_SHARE;
}

/** SQL that is true when the raw text `column` contains an email address anywhere in it. */
export function containsEmailSql(column: string): string {
  return cheapTestFirstSql(
    `contains(${column}, '@')`,
    `regexp_matches(${column}, ${quotedString(EMAIL_ADDRESS_PATTERN)})`,
  );
}

/**
 * SQL of the raw text `column` without personal data, for columns where it
 * is a minority. A value that is entirely a phone number in international
 * form or a SHA-256 hash is replaced whole, and each email address inside
 * a value is replaced.
 *
 * NOTE: phone numbers in national form, and phone numbers or hashes inside
 * longer text, are stored as they are, because a number or a hex string in
 * free text is too often something else.
 */
export function withoutPersonalDataSql(column: string): string {
  const replacement = (kind: ContentKind) => quotedString(REPLACEMENT_TEXTS[kind]);
  const withoutEmails = `regexp_replace(${column}, ${quotedString(EMAIL_ADDRESS_PATTERN)}, ${replacement('EMAIL')}, 'g')`;
  return [
    `CASE WHEN ${contentRules.PHONE.matchesSql(column)} THEN ${replacement('PHONE')}`,
    `WHEN ${contentRules.SHA256.matchesSql(column)} THEN ${replacement('SHA256')}`,
    `WHEN contains(${column}, '@') THEN ${withoutEmails}`,
    `ELSE ${column} END`,
  ].join(' ');
}
