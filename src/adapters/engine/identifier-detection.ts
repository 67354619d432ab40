import { AppError } from '../../domain/errors/app-error.ts';
import type { IdentifierHint } from './engine.ts';
import { identifierRules } from './identifier-rules.ts';
import { normalizeColumnName } from './column-names.ts';

/** Column names, after `normalizeColumnName`, that mark an identifier column. */
const IDENTIFIER_NAMES: Record<IdentifierHint, string[]> = {
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
const HASHED_FORM: Partial<Record<IdentifierHint, IdentifierHint>> = {
  EMAIL: 'EMAIL_SHA256',
  PHONE: 'PHONE_SHA256',
};

/** Share of sampled values that must be valid for a column to be recognised by its content. */
const CONTENT_MATCH_SHARE = 0.8;

/**
 * Picks the identifier columns of an upload and their kind, by column
 * index. Declared columns are taken as given. Otherwise columns are
 * recognised by name, or a column of email addresses by its sampled values
 * when no name matches. Raises IMPORT_MISSING_COLUMN, listing the columns
 * found, when a declared column is absent or none is recognised.
 */
export function detectIdentifierColumns(
  sourceNames: string[],
  sampleRows: (string | null)[][],
  declared: Record<string, IdentifierHint> | undefined,
): Map<number, IdentifierHint> {
  const identifiers =
    declared === undefined
      ? detectByName(sourceNames, sampleRows)
      : findDeclared(sourceNames, declared);
  if (identifiers.size === 0 && declared === undefined)
    detectByContent(sampleRows, sourceNames.length, identifiers);

  if (identifiers.size === 0) {
    throw new AppError(
      'IMPORT_MISSING_COLUMN',
      `No identifier column found; the file has the columns ${listNames(sourceNames)}. Name one column email, phone, email_sha256, rampid, maid or customer_id, or declare the identifier columns.`,
      { details: { columnsFound: sourceNames } },
    );
  }
  return identifiers;
}

function findDeclared(
  sourceNames: string[],
  declared: Record<string, IdentifierHint>,
): Map<number, IdentifierHint> {
  const identifiers = new Map<number, IdentifierHint>();
  for (const [name, hint] of Object.entries(declared)) {
    const index = findColumn(sourceNames, name);
    if (index === -1) {
      throw new AppError(
        'IMPORT_MISSING_COLUMN',
        `The declared identifier column "${name}" is not in the file; the file has the columns ${listNames(sourceNames)}.`,
        { details: { column: name, columnsFound: sourceNames } },
      );
    }
    identifiers.set(index, hint);
  }
  return identifiers;
}

/** Finds a column by its exact name, then by its name ignoring case and surrounding spaces. */
export function findColumn(sourceNames: string[], name: string): number {
  const exact = sourceNames.indexOf(name);
  if (exact !== -1) return exact;
  const wanted = name.trim().toLowerCase();
  return sourceNames.findIndex((sourceName) => sourceName.trim().toLowerCase() === wanted);
}

function detectByName(
  sourceNames: string[],
  sampleRows: (string | null)[][],
): Map<number, IdentifierHint> {
  const identifiers = new Map<number, IdentifierHint>();
  sourceNames.forEach((sourceName, index) => {
    const hint = hintForName(normalizeColumnName(sourceName));
    if (hint === null) return;
    const values = sampleRows.map((row) => row[index] ?? null);
    identifiers.set(index, containsHashes(values) ? (HASHED_FORM[hint] ?? hint) : hint);
  });
  return identifiers;
}

function hintForName(name: string): IdentifierHint | null {
  const entry = Object.entries(IDENTIFIER_NAMES).find(([, names]) => names.includes(name));
  return entry ? (entry[0] as IdentifierHint) : null;
}

function containsHashes(values: (string | null)[]): boolean {
  return mostlyValid(values, 'EMAIL_SHA256');
}

/**
 * Tells whether most sampled values are valid for `hint`. A few invalid rows
 * must not hide the column, because the import reports them line by line.
 */
function mostlyValid(values: (string | null)[], hint: IdentifierHint): boolean {
  const rule = identifierRules[hint];
  const present = values.map((value) => rule.normalize(value)).filter((value) => value !== null);
  const valid = present.filter((value) => rule.isValid(value)).length;
  return present.length > 0 && valid >= present.length * CONTENT_MATCH_SHARE;
}

function detectByContent(
  sampleRows: (string | null)[][],
  columnCount: number,
  identifiers: Map<number, IdentifierHint>,
): void {
  for (let index = 0; index < columnCount; index++) {
    const values = sampleRows.map((row) => row[index] ?? null);
    if (mostlyValid(values, 'EMAIL')) identifiers.set(index, 'EMAIL');
  }
}

function listNames(names: string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}
