import { quotedString } from '@duckdb/node-api';

/** ASCII whitespace as a DuckDB string literal, for `trim(value, characters)`; the control characters are literal bytes in it. */
const WHITESPACE_SQL = quotedString(' \t\n\v\f\r');

/** The same characters as `WHITESPACE_SQL`, for JavaScript. */
export const WHITESPACE_EDGES = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/** SQL of `column` without surrounding ASCII whitespace, NULL when nothing is left. */
export function trimmedSql(column: string): string {
  return `NULLIF(trim(${column}, ${WHITESPACE_SQL}), '')`;
}

/** SQL of `column` in lower case without surrounding ASCII whitespace; '' stays ''. */
export function lowerTrimmedSql(column: string): string {
  return `lower(trim(${column}, ${WHITESPACE_SQL}))`;
}

/** SQL of `column` without surrounding ASCII whitespace; '' stays ''. */
export function plainTrimmedSql(column: string): string {
  return `trim(${column}, ${WHITESPACE_SQL})`;
}

/** SQL that is true when all of `value` matches the RE2 `pattern`. */
export function fullMatchSql(value: string, pattern: string): string {
  return `regexp_full_match(${value}, ${quotedString(pattern)})`;
}

/** JavaScript twin of `fullMatchSql`; the patterns used here mean the same in RE2 and JavaScript. */
export function fullMatchRegex(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}
