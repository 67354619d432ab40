/**
 * SQL building blocks for deterministic synthetic data. Every random value is
 * a pure function of a row key and a salt, so the same inputs give the same
 * rows on every run and thread count.
 */

/**
 * Macros the generator's statements call. `mixed_hash` hashes the result of
 * the two-argument `hash` again because DuckDB combines argument hashes with
 * XOR: without the second pass, draws of one row under different salts differ
 * by a constant bit pattern and are strongly correlated. `uniform_draw` maps
 * it to [0, 1) with 53 bits, the precision of a DOUBLE.
 *
 * NOTE: DuckDB does not promise that `hash` stays the same across releases, so
 * generated values may change when @duckdb/node-api is upgraded (checked on 1.5).
 */
export const seedMacrosSql = [
  `CREATE OR REPLACE MACRO mixed_hash(row_key, salt) AS hash(hash(row_key, salt))`,
  `CREATE OR REPLACE MACRO uniform_draw(row_key, salt) AS
     (mixed_hash(row_key, salt) >> 11)::DOUBLE / 9007199254740992.0`,
  `CREATE OR REPLACE MACRO person_email_sha256(person_id) AS
     sha256('person' || person_id || '@example.com')`,
];

export type WeightedChoices = readonly (readonly [value: string, weight: number])[];

/**
 * Builds a CASE expression that maps a uniform draw in [0, 1) to one of the
 * choices with probability proportional to its weight. `drawColumn` should be
 * a column computed once in an inner query, because the CASE reads it once per
 * branch.
 */
export function weightedChoiceSql(drawColumn: string, choices: WeightedChoices): string {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  const branches: string[] = [];
  let cumulative = 0;

  for (const [value, weight] of choices.slice(0, -1)) {
    cumulative += weight / total;
    branches.push(`WHEN ${drawColumn} < ${cumulative} THEN ${quoteSqlString(value)}`);
  }

  const last = choices.at(-1);
  if (last === undefined) throw new Error('weightedChoiceSql requires at least one choice');
  return `CASE ${branches.join(' ')} ELSE ${quoteSqlString(last[0])} END`;
}

export function quoteSqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
