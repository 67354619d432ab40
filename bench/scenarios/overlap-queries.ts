import type { QuestionResult } from '../../src/adapters/engine/engine.ts';

/** One row of the overlap by partner attribute, as both paths are compared. */
export interface OverlapRow {
  attributeValue: string;
  /** Distinct advertiser identities that match a partner identity with this attribute value. */
  matchedCount: number;
  /** Distinct partner identities with this attribute value. */
  partnerCount: number;
}

/**
 * Builds the plain DuckDB baseline: the audience overlap written by hand over
 * the same Parquet files, with the crowd size applied as HAVING on the
 * matched count. `attribute` must be a trusted column name.
 */
export function plainOverlapSql(options: {
  myAudiencePath: string;
  partnerAudiencePath: string;
  attribute: string;
  crowdSize: number;
}): string {
  const myAudience = `read_parquet('${options.myAudiencePath.replaceAll("'", "''")}')`;
  const partnerAudience = `read_parquet('${options.partnerAudiencePath.replaceAll("'", "''")}')`;
  return `
    WITH matched AS (
      SELECT partner.${options.attribute} AS attribute_value,
             count(DISTINCT partner.email_sha256) AS matched_count
      FROM ${myAudience} AS mine
      JOIN ${partnerAudience} AS partner ON mine.email_sha256 = partner.email_sha256
      GROUP BY partner.${options.attribute}
      HAVING count(DISTINCT partner.email_sha256) >= ${options.crowdSize}
    ),
    partner_totals AS (
      SELECT ${options.attribute} AS attribute_value, count(DISTINCT email_sha256) AS partner_count
      FROM ${partnerAudience}
      GROUP BY ${options.attribute}
    )
    SELECT attribute_value, matched_count, partner_count
    FROM matched JOIN partner_totals USING (attribute_value)
    ORDER BY attribute_value`;
}

/**
 * Extracts the overlap rows from the engine's `audience_overlap` result by
 * the catalog's output column names. Throws when a column is missing, so a
 * changed question fails the scenario instead of being compared wrongly.
 */
export function readEngineOverlapRows(result: QuestionResult): OverlapRow[] {
  const names = result.columns.map((column) => column.name);
  const attributeIndex = findColumn(names, 'attribute_value');
  const matchedIndex = findColumn(names, 'overlap_count');
  const partnerIndex = findColumn(names, 'partner_count');

  return result.rows.map((row) => ({
    attributeValue: String(row[attributeIndex]),
    matchedCount: Number(row[matchedIndex]),
    partnerCount: Number(row[partnerIndex]),
  }));
}

function findColumn(names: string[], name: string): number {
  const index = names.indexOf(name);
  if (index === -1) {
    throw new Error(`audience_overlap result has no column ${name}; it has ${names.join(', ')}`);
  }
  return index;
}

/** Returns a description of the first difference, or null when both lists hold the same rows. */
export function describeOverlapDifference(
  engine: OverlapRow[],
  plain: OverlapRow[],
): string | null {
  const sort = (rows: OverlapRow[]) =>
    [...rows].sort((a, b) => a.attributeValue.localeCompare(b.attributeValue));
  const engineRows = JSON.stringify(sort(engine));
  const plainRows = JSON.stringify(sort(plain));
  return engineRows === plainRows
    ? null
    : `engine rows ${engineRows} differ from plain rows ${plainRows}`;
}
