import type { ColumnDataType, DatasetColumn, DatasetDataType } from '../datasets/dataset.ts';
import { AppError } from '../errors/app-error.ts';
import type { DatasetMacro } from './question-definition.ts';

/** The parts of a dataset a macro checks; stored dataset rows have this shape. */
export interface DatasetToFit {
  name?: string;
  /** Omitted by the engine, which receives only the columns, so the data type is then not checked. */
  data_type?: DatasetDataType;
  columns: DatasetColumn[];
}

/**
 * Column types accepted where a macro requires a type. Any column can serve
 * as text, whole numbers as decimals, and dates where timestamps are asked.
 */
const ACCEPTED_TYPES: Record<string, ColumnDataType[]> = {
  STRING: ['STRING', 'INTEGER', 'DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP'],
  INTEGER: ['INTEGER'],
  DOUBLE: ['DOUBLE', 'INTEGER'],
  BOOLEAN: ['BOOLEAN'],
  DATE: ['DATE'],
  TIMESTAMP: ['TIMESTAMP', 'DATE'],
};

/**
 * Raises DATASET_UNSUITABLE when a dataset cannot be bound to a question's
 * macro: its data type is not accepted, it has no identifier of an accepted
 * type, or required columns are missing or of the wrong type.
 */
export function checkDatasetFitsMacro(macro: DatasetMacro, dataset: DatasetToFit): void {
  const label = dataset.name ? `Dataset "${dataset.name}"` : 'The dataset';
  checkDataType(macro, dataset, label);
  checkIdentifiers(macro, dataset, label);
  checkRequiredColumns(macro, dataset, label);
}

function checkDataType(macro: DatasetMacro, dataset: DatasetToFit, label: string): void {
  if (dataset.data_type === undefined || macro.dataTypes.includes(dataset.data_type)) return;

  throw new AppError(
    'DATASET_UNSUITABLE',
    `${label} is a ${dataset.data_type} dataset but ${macro.macro} takes ${macro.dataTypes.join(' or ')}; choose a dataset of that type.`,
    {
      details: { macro: macro.macro, dataType: dataset.data_type, allowedValues: macro.dataTypes },
    },
  );
}

function checkIdentifiers(macro: DatasetMacro, dataset: DatasetToFit, label: string): void {
  const found = dataset.columns.flatMap((column) =>
    column.identifierType ? [column.identifierType] : [],
  );
  if (found.some((type) => macro.identifierTypes.includes(type))) return;

  const has =
    found.length === 0
      ? 'has no identifier column'
      : `has identifiers of type ${found.join(', ')} only`;
  throw new AppError(
    'DATASET_UNSUITABLE',
    `${label} ${has}, but ${macro.macro} matches on ${macro.identifierTypes.join(', ')}; import it with one of those identifiers.`,
    {
      details: { macro: macro.macro, identifierTypes: found, allowedValues: macro.identifierTypes },
    },
  );
}

function checkRequiredColumns(macro: DatasetMacro, dataset: DatasetToFit, label: string): void {
  const problems = macro.requiredColumns.flatMap((required) => {
    const column = dataset.columns.find((candidate) => candidate.name === required.name);
    if (!column) return [`${required.name} (missing)`];
    const accepted = ACCEPTED_TYPES[required.dataType] ?? [required.dataType];
    if (column.identifierType || column.isPii)
      return [`${required.name} (an identifier or PII column)`];
    return accepted.includes(column.dataType)
      ? []
      : [`${required.name} (${column.dataType}, expected ${required.dataType})`];
  });
  if (problems.length === 0) return;

  throw new AppError(
    'DATASET_UNSUITABLE',
    `${label} does not fit ${macro.macro}: it needs the columns ${problems.join(', ')}. It has ${dataset.columns.map((column) => column.name).join(', ')}.`,
    {
      details: {
        macro: macro.macro,
        missingColumns: problems,
        columnsFound: dataset.columns.map((column) => column.name),
      },
    },
  );
}
