import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { toResultValue } from '../../src/adapters/engine/result-values.ts';

describe('toResultValue', () => {
  it('converts DuckDB values to plain values', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(`
      SELECT 42::BIGINT AS big, 7::HUGEINT AS huge, 1.25::DECIMAL(10, 2) AS decimal, 0.5::DOUBLE AS double,
        DATE '2024-01-05' AS day, TIMESTAMP '2024-01-05 06:07:08' AS instant, 'text' AS text, NULL AS nothing`);
    const [row] = reader.getRows();
    connection.closeSync();
    instance.closeSync();

    expect(row?.map(toResultValue)).toEqual([
      42,
      7,
      1.25,
      0.5,
      '2024-01-05',
      '2024-01-05T06:07:08.000Z',
      'text',
      null,
    ]);
  });
});
