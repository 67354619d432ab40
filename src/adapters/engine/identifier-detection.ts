import { AppError } from '../../domain/errors/app-error.ts';
import { sampledIdentifierKind, sampleHoldsHashes } from './column-content.ts';
import type { IdentifierHint } from './engine.ts';
import type { IdentifierKind } from './identifier-rules.ts';
import { normalizeColumnName } from './column-names.ts';

/** Column names, after `normalizeColumnName`, that mark an identifier column. */
const IDENTIFIER_NAMES: Record<IdentifierKind, string[]> = {
  EMAIL: ['email', 'email_address', 'emailaddress', 'e_mail', 'e_mail_address', 'mail'],
  PHONE: [
    'phone',
    'phone_number',
    'phonenumber',
    'mobile',
    'mobile_number',
    'mobile_phone',
    'cell_phone',
    'telephone',
  ],
  EMAIL_SHA256: [
    'email_sha256',
    'sha256_email',
    'hashed_email',
    'email_hash',
    'email_sha_256',
    'hem',
  ],
  PHONE_SHA256: ['phone_sha256', 'sha256_phone', 'hashed_phone', 'phone_hash', 'phone_sha_256'],
  RAMPID: ['rampid', 'ramp_id'],
  MAID: ['maid', 'mobile_ad_id', 'idfa', 'gaid', 'aaid', 'advertising_id'],
  CUSTOMER_ID: ['customer_id', 'customerid', 'cust_id', 'crm_id'],
};

/** A raw email or phone column that turns out to contain SHA-256 hashes is imported as hashed. */
const HASHED_FORM: Partial<Record<IdentifierKind, IdentifierKind>> = {
  EMAIL: 'EMAIL_SHA256',
  PHONE: 'PHONE_SHA256',
};

/** Identifier columns of an upload by column index, before its content is read in full. */
export interface DetectedIdentifiers {
  /** Identifiers that decide whether a row is valid: every row needs one, and an invalid one rejects the row. */
  keys: Map<number, IdentifierKind>;
  /** Identifiers recognised by name besides the declared ones: a value that is invalid is stored as NULL. */
  extras: Map<number, IdentifierKind>;
  /** Columns declared NONE, which are never treated as identifiers. */
  notIdentifiers: Set<number>;
}

/**
 * Picks the identifier columns of an upload and their kind. Declared
 * columns are taken as given and decide row validity. Without declared
 * identifiers, the columns recognised by name decide it, or else the
 * columns whose sampled values are at least `KEY_MATCH_SHARE` emails or
 * phone numbers in international form. Raises IMPORT_MISSING_COLUMN,
 * listing the columns found, when a declared column is absent or no
 * identifier is found.
 */
export function detectIdentifierColumns(
  sourceNames: string[],
  sampleRows: (string | null)[][],
  declared: Record<string, IdentifierHint> | undefined,
): DetectedIdentifiers {
  const declaredHints = findDeclared(sourceNames, declared ?? {});
  const declaredKeys = new Map<number, IdentifierKind>();
  const notIdentifiers = new Set<number>();
  for (const [index, hint] of declaredHints) {
    if (hint === 'NONE') notIdentifiers.add(index);
    else declaredKeys.set(index, hint);
  }

  const undeclared = sourceNames.map((_, index) => index).filter((i) => !declaredHints.has(i));
  const named = detectByName(sourceNames, sampleRows, undeclared);
  if (declaredKeys.size > 0) return { keys: declaredKeys, extras: named, notIdentifiers };
  if (named.size > 0) return { keys: named, extras: new Map(), notIdentifiers };

  const sampled = detectBySample(sampleRows, undeclared);
  if (sampled.size === 0) throw missingIdentifierError(sourceNames, sampleRows, undeclared);
  return { keys: sampled, extras: new Map(), notIdentifiers };
}

function findDeclared(
  sourceNames: string[],
  declared: Record<string, IdentifierHint>,
): Map<number, IdentifierHint> {
  const hints = new Map<number, IdentifierHint>();
  for (const [name, hint] of Object.entries(declared)) {
    const index = findColumn(sourceNames, name);
    if (index === -1) {
      throw new AppError(
        'IMPORT_MISSING_COLUMN',
        `The declared identifier column "${name}" is not in the file; the file has the columns ${listNames(sourceNames)}.`,
        { details: { column: name, columnsFound: sourceNames } },
      );
    }
    hints.set(index, hint);
  }
  return hints;
}

/** Finds a column by its exact name, then by its name ignoring case and surrounding spaces. */
export function findColumn(sourceNames: string[], name: string): number {
  const exact = sourceNames.indexOf(name);
  if (exact !== -1) return exact;
  const expected = name.trim().toLowerCase();
  return sourceNames.findIndex((sourceName) => sourceName.trim().toLowerCase() === expected);
}

function detectByName(
  sourceNames: string[],
  sampleRows: (string | null)[][],
  indexes: number[],
): Map<number, IdentifierKind> {
  const identifiers = new Map<number, IdentifierKind>();
  for (const index of indexes) {
    const kind = kindForName(normalizeColumnName(sourceNames[index] ?? ''));
    if (kind === null) continue;
    const hashed = sampleHoldsHashes(columnValues(sampleRows, index));
    identifiers.set(index, hashed ? (HASHED_FORM[kind] ?? kind) : kind);
  }
  return identifiers;
}

function kindForName(name: string): IdentifierKind | null {
  const entry = Object.entries(IDENTIFIER_NAMES).find(([, names]) => names.includes(name));
  return entry ? (entry[0] as IdentifierKind) : null;
}

function detectBySample(
  sampleRows: (string | null)[][],
  indexes: number[],
): Map<number, IdentifierKind> {
  const identifiers = new Map<number, IdentifierKind>();
  for (const index of indexes) {
    const kind = sampledIdentifierKind(columnValues(sampleRows, index));
    if (kind !== null) identifiers.set(index, kind);
  }
  return identifiers;
}

function columnValues(sampleRows: (string | null)[][], index: number): (string | null)[] {
  return sampleRows.map((row) => row[index] ?? null);
}

/** Names a column of hashes in the message, because only the user knows whether they hash emails or phones. */
function missingIdentifierError(
  sourceNames: string[],
  sampleRows: (string | null)[][],
  indexes: number[],
): AppError {
  const hashColumn = indexes.find((index) => sampleHoldsHashes(columnValues(sampleRows, index)));
  const hashName = hashColumn === undefined ? null : sourceNames[hashColumn];
  const hashAdvice = hashName
    ? ` Column "${hashName}" contains SHA-256 hashes: declare it as ${hashName}:EMAIL_SHA256 or ${hashName}:PHONE_SHA256.`
    : '';
  return new AppError(
    'IMPORT_MISSING_COLUMN',
    `No identifier column found; the file has the columns ${listNames(sourceNames)}. Name one column email, phone, email_sha256, rampid, maid or customer_id, or declare the identifier columns.${hashAdvice}`,
    { details: { columnsFound: sourceNames } },
  );
}

function listNames(names: string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}
