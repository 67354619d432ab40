import { listValue, quotedIdentifier, type DuckDBValue } from '@duckdb/node-api';
import type { IdentifierType } from '../../../domain/datasets/dataset.ts';
import { AppError } from '../../../domain/errors/app-error.ts';
import type { BoundDataset } from '../engine.ts';
import type { GroupingColumn, TemplateInput } from './question-template.ts';

/** Identifier types in the order a join prefers them: hashed emails match the most people across partners. */
const IDENTIFIER_PREFERENCE: IdentifierType[] = [
  'EMAIL_SHA256',
  'PHONE_SHA256',
  'RAMPID',
  'MAID',
  'CUSTOMER_ID',
];

/** Helpers templates share to read bound datasets and parameters. */
export const templateDatasets = {
  /** Returns the dataset bound to `macro`; the runner has checked that every macro has one. */
  get(input: TemplateInput, macro: string): BoundDataset {
    const dataset = input.datasets.get(macro);
    if (!dataset)
      throw new AppError(
        'DATASET_UNSUITABLE',
        `No dataset is bound to ${macro}; bind one and run the question again.`,
      );
    return dataset;
  },

  /**
   * Picks the identifier type both datasets have, preferring hashed emails,
   * and returns the quoted column of each. Raises DATASET_UNSUITABLE when
   * they share none.
   */
  joinColumns(left: BoundDataset, right: BoundDataset): { left: string; right: string } {
    for (const type of IDENTIFIER_PREFERENCE) {
      const leftColumn = left.columns.find((column) => column.identifierType === type);
      const rightColumn = right.columns.find((column) => column.identifierType === type);
      if (leftColumn && rightColumn)
        return {
          left: quotedIdentifier(leftColumn.name),
          right: quotedIdentifier(rightColumn.name),
        };
    }
    throw new AppError(
      'DATASET_UNSUITABLE',
      `The datasets bound to ${left.macro} and ${right.macro} share no identifier type, so nobody can be matched; import both with hashed emails, for example.`,
      { details: { macros: [left.macro, right.macro] } },
    );
  },

  /**
   * Binds the two audiences of an audience question (`@my_audience` and
   * `@partner_audience`), their join columns and the quoted partner attribute
   * named by the `attribute` parameter.
   */
  audiencePair(input: TemplateInput) {
    const mine = templateDatasets.get(input, '@my_audience');
    const partner = templateDatasets.get(input, '@partner_audience');
    return {
      mine,
      partner,
      join: templateDatasets.joinColumns(mine, partner),
      attribute: quotedIdentifier(String(input.parameters.attribute)),
    };
  },

  /** Returns the partner attribute an audience question groups by, read from unvalidated parameters. */
  partnerAttributeGrouping(parameters: Record<string, unknown>): GroupingColumn[] {
    return typeof parameters.attribute === 'string'
      ? [{ macro: '@partner_audience', column: parameters.attribute }]
      : [];
  },

  /** Converts a STRING_LIST parameter to a DuckDB list, or NULL when it is absent. */
  listOrNull(value: unknown): DuckDBValue {
    return Array.isArray(value) ? listValue(value.map(String)) : null;
  },
};
