import { stat } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Writes a CSV upload of `rowCount` rows with a header `email,first_seen,segment,score`.
 * Emails are raw and mixed in case (some with surrounding spaces), as a CRM
 * export would have them, so an import has to normalise and hash each one.
 * Returns the file size in bytes.
 */
export async function writeCsvFixture(path: string, rowCount: number): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  try {
    const connection = await instance.connect();
    await connection.run(`
      COPY (
        SELECT CASE row_no % 4
                 WHEN 0 THEN 'Person' || row_no || '@Example.com'
                 WHEN 1 THEN 'PERSON' || row_no || '@EXAMPLE.COM'
                 WHEN 2 THEN 'person' || row_no || '@example.com'
                 ELSE ' Person.' || row_no || '@Mail.Example.org '
               END AS email,
               DATE '2019-01-01' + (hash(row_no, 'first_seen') % 2000)::INTEGER AS first_seen,
               ['new', 'active', 'lapsed', 'vip', 'trial', 'churn_risk', 'wholesale', 'staff']
                 [1 + (hash(row_no, 'segment') % 8)::INTEGER] AS segment,
               round((hash(row_no, 'score') % 10000) / 100.0, 2) AS score
        FROM range(${rowCount}) AS rows(row_no)
      ) TO '${path.replaceAll("'", "''")}' (FORMAT csv, HEADER true, DELIMITER ',')`);
  } finally {
    instance.closeSync();
  }
  return (await stat(path)).size;
}
