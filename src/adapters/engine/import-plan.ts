import type { ColumnDataType, DatasetColumn } from '../../domain/datasets/dataset.ts';
import type { ImportOptions } from './engine.ts';
import { candidateTypes, type TypedColumnType } from './column-typing.ts';
import { contentRules, type ContentKind } from './column-content.ts';
import { isPersonalColumnName, makeNamesUnique, normalizeColumnName } from './column-names.ts';
import { detectIdentifierColumns } from './identifier-detection.ts';
import { identifierRules, type IdentifierKind } from './identifier-rules.ts';

/** A column as the import reads it. */
export interface SourceColumn {
  /** Name in the uploaded file, used in line errors. */
  sourceName: string;
  /** SQL that reads the column from the source relation. */
  sql: string;
  /** Type of a typed Parquet column; null for text, which is typed by its content. */
  knownType: ColumnDataType | null;
}

/**
 * Treatment of a column's values by the import.
 *
 * - KEY_IDENTIFIER: a declared identifier, or else one recognised by name
 *   or by sampled content. Every row needs one, and a row with an invalid
 *   one is rejected and reported by line.
 * - EXTRA_IDENTIFIER: an identifier found besides the keys, by name or by
 *   content. A value that is invalid is stored as NULL and counted, so the
 *   raw value is never written and the row still counts.
 * - HASHED_PII: a column found by content to hold SHA-256 hashes of unknown
 *   kind. Hashes are kept in lower case and flagged as PII, and any other
 *   value is stored as NULL.
 * - PLAIN: any other column, typed by content, with email addresses in
 *   text replaced.
 * - DECLARED_PLAIN: a column declared NONE, stored as it is.
 */
export type ColumnRole =
  'KEY_IDENTIFIER' | 'EXTRA_IDENTIFIER' | 'HASHED_PII' | 'PLAIN' | 'DECLARED_PLAIN';

/** Storage plan of one source column. */
export interface PlannedColumn {
  source: SourceColumn;
  /** Position-based SQL alias (`v_1` …), safe whatever the source name is. */
  alias: string;
  /** Alias of the normalised identifier value (`n_1` …). */
  normalizedAlias: string;
  role: ColumnRole;
  /** Kind of an identifier column, which gives its stored identifier type. */
  identifier: IdentifierKind | null;
  /** Kind found in the values of a column recognised by its content. Its pattern decides which values are kept. */
  content: ContentKind | null;
  storedName: string;
  isPii: boolean;
  /** Types to check over the whole file, narrowest first; empty keeps the column as text. */
  candidates: TypedColumnType[];
}

/** A planned column whose values an identifier rule checks before anything is read in full. */
export type RuleColumn = PlannedColumn & {
  role: 'KEY_IDENTIFIER' | 'EXTRA_IDENTIFIER';
  identifier: IdentifierKind;
  content: null;
};

/**
 * Decides, before reading the whole file, which columns are identifiers,
 * what each stored column is called and which types to check. Raw emails
 * and phones are stored hashed under `email_sha256` / `phone_sha256`.
 * Columns left PLAIN may still be recognised by content after the stats
 * pass, with `applyContentKinds`.
 */
export function planImportColumns(
  columns: SourceColumn[],
  sampleRows: (string | null)[][],
  options: Pick<ImportOptions, 'identifierColumns' | 'piiColumns'>,
): PlannedColumn[] {
  const sourceNames = columns.map((column) => column.sourceName);
  const detected = detectIdentifierColumns(sourceNames, sampleRows, options.identifierColumns);
  // Declared PII columns match whether the caller wrote "First Name" or "first_name".
  const piiNames = new Set((options.piiColumns ?? []).map((name) => normalizeColumnName(name)));

  const plan = columns.map((source, index): PlannedColumn => {
    const key = detected.keys.get(index);
    const extra = detected.extras.get(index);
    const identifier = key ?? extra ?? null;
    const sampleValues = sampleRows.map((row) => row[index] ?? null);
    const declaredPii = piiNames.has(normalizeColumnName(source.sourceName));
    const isPii = identifier === null && (declaredPii || isPersonalColumnName(source.sourceName));
    const typed = identifier !== null || source.knownType !== null;

    return {
      source,
      alias: `v_${index + 1}`,
      normalizedAlias: `n_${index + 1}`,
      role: roleOf(key, extra, detected.notIdentifiers.has(index)),
      identifier,
      content: null,
      storedName: '',
      isPii,
      candidates: typed ? [] : candidateTypes(sampleValues),
    };
  });
  return withStoredNames(plan);
}

function roleOf(
  key: IdentifierKind | undefined,
  extra: IdentifierKind | undefined,
  declaredNone: boolean,
): ColumnRole {
  if (key) return 'KEY_IDENTIFIER';
  if (extra) return 'EXTRA_IDENTIFIER';
  return declaredNone ? 'DECLARED_PLAIN' : 'PLAIN';
}

/** Tells whether the content of a column is still to be recognised: a PLAIN text column. */
export function awaitsContentCheck(column: PlannedColumn): boolean {
  return column.role === 'PLAIN' && column.source.knownType === null;
}

/** Tells whether an identifier rule checks the column's values: identifiers found by declaration or name. */
export function isRuleColumn(column: PlannedColumn): column is RuleColumn {
  return column.identifier !== null && column.content === null;
}

/**
 * Applies the kinds the stats pass recognised in PLAIN text columns: emails
 * and phones become extra identifiers stored as `<column>_sha256`, hashes
 * become PII. Stored names are assigned again, since new names may collide.
 */
export function applyContentKinds(
  plan: PlannedColumn[],
  kinds: Map<string, ContentKind>,
): PlannedColumn[] {
  const revised = plan.map((column): PlannedColumn => {
    const kind = kinds.get(column.alias);
    if (!kind || !awaitsContentCheck(column)) return column;
    const identifier = contentRules[kind].identifier;
    return {
      ...column,
      role: identifier ? 'EXTRA_IDENTIFIER' : 'HASHED_PII',
      identifier,
      content: kind,
      isPii: identifier === null,
      candidates: [],
    };
  });
  return withStoredNames(revised);
}

/** Suffix of the stored name of a column whose raw values are hashed. */
const HASHED_SUFFIX = '_sha256';
/** Maximum length of a stored column name; `normalizeColumnName` keeps to it as well. */
const MAX_NAME_LENGTH = 63;

function withStoredNames(plan: PlannedColumn[]): PlannedColumn[] {
  const preferredNames = plan.map((column, index) => preferredName(column, index));
  const storedNames = makeNamesUnique(preferredNames);
  return plan.map((column, index) => ({ ...column, storedName: storedNames[index] as string }));
}

function preferredName(column: PlannedColumn, index: number): string {
  const name = normalizeColumnName(column.source.sourceName, index + 1);
  if (column.identifier === null) return name;
  if (column.content === null) return identifierRules[column.identifier].hashedName ?? name;
  return `${name.slice(0, MAX_NAME_LENGTH - HASHED_SUFFIX.length)}${HASHED_SUFFIX}`;
}

/** Describes the stored columns once the whole-file type checks have chosen each type. */
export function describeStoredColumns(
  plan: PlannedColumn[],
  chosenTypes: Map<string, ColumnDataType>,
): DatasetColumn[] {
  return plan.map((column) => ({
    name: column.storedName,
    dataType:
      column.identifier || column.content
        ? 'STRING'
        : (column.source.knownType ?? chosenTypes.get(column.alias) ?? 'STRING'),
    identifierType: column.identifier ? identifierRules[column.identifier].storedType : null,
    isPii: column.isPii,
  }));
}
