import type { ColumnDataType, DatasetColumn } from '../../domain/datasets/dataset.ts';
import type { IdentifierHint, ImportOptions } from './engine.ts';
import { candidateTypes, type TypedColumnType } from './column-typing.ts';
import { isPersonalColumnName, makeNamesUnique, normalizeColumnName } from './column-names.ts';
import { detectIdentifierColumns } from './identifier-detection.ts';
import { identifierRules } from './identifier-rules.ts';

/** A column as the import reads it. */
export interface SourceColumn {
  /** Name in the uploaded file, used in line errors. */
  sourceName: string;
  /** SQL that reads the column from the source relation. */
  sql: string;
  /** Type of a typed Parquet column; null for text, which is typed by its content. */
  knownType: ColumnDataType | null;
}

/** Storage plan of one source column. */
export interface PlannedColumn {
  source: SourceColumn;
  /** Position-based SQL alias (`v_1` …), safe whatever the source name is. */
  alias: string;
  /** Alias of the normalised identifier value (`n_1` …). */
  normalizedAlias: string;
  identifier: IdentifierHint | null;
  storedName: string;
  isPii: boolean;
  /** Types to check over the whole file, narrowest first; empty keeps the column as text. */
  candidates: TypedColumnType[];
}

/**
 * Decides, before reading the whole file, which columns are identifiers,
 * what each stored column is called and which types to check. Raw emails
 * and phones are stored hashed under `email_sha256` / `phone_sha256`.
 */
export function planImportColumns(
  columns: SourceColumn[],
  sampleRows: (string | null)[][],
  options: Pick<ImportOptions, 'identifierColumns' | 'piiColumns'>,
): PlannedColumn[] {
  const sourceNames = columns.map((column) => column.sourceName);
  const identifiers = detectIdentifierColumns(sourceNames, sampleRows, options.identifierColumns);
  // Declared PII columns match whether the caller wrote "First Name" or "first_name".
  const piiNames = new Set((options.piiColumns ?? []).map((name) => normalizeColumnName(name)));

  const preferredNames = columns.map((column, index) => {
    const hint = identifiers.get(index);
    const hashedName = hint ? identifierRules[hint].hashedName : null;
    return hashedName ?? normalizeColumnName(column.sourceName, index + 1);
  });
  const storedNames = makeNamesUnique(preferredNames);

  return columns.map((source, index) => {
    const identifier = identifiers.get(index) ?? null;
    const sampleValues = sampleRows.map((row) => row[index] ?? null);
    const declaredPii = piiNames.has(normalizeColumnName(source.sourceName));
    const isPii = identifier === null && (declaredPii || isPersonalColumnName(source.sourceName));
    const typed = identifier !== null || source.knownType !== null;

    return {
      source,
      alias: `v_${index + 1}`,
      normalizedAlias: `n_${index + 1}`,
      identifier,
      storedName: storedNames[index] as string,
      isPii,
      candidates: typed ? [] : candidateTypes(sampleValues),
    };
  });
}

/** Describes the stored columns once the whole-file type checks have chosen each type. */
export function describeStoredColumns(
  plan: PlannedColumn[],
  chosenTypes: Map<string, ColumnDataType>,
): DatasetColumn[] {
  return plan.map((column) => ({
    name: column.storedName,
    dataType: column.identifier
      ? 'STRING'
      : (column.source.knownType ?? chosenTypes.get(column.alias) ?? 'STRING'),
    identifierType: column.identifier ? identifierRules[column.identifier].storedType : null,
    isPii: column.isPii,
  }));
}
