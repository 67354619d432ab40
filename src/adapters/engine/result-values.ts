import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { ResultValue } from './engine.ts';

/**
 * Converts a DuckDB value to what callers receive: numbers, strings or null,
 * never BigInt or DuckDB value objects. Dates become 'YYYY-MM-DD' and
 * timestamps ISO 8601 in UTC. Integers above 2^53 lose precision, which
 * counts of people never reach.
 */
export function toResultValue(value: DuckDBValue): ResultValue {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return String(value);
  if (value instanceof DuckDBDateValue) return value.toString();
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBTimestampValue)
    return new Date(Number(value.micros / 1000n)).toISOString();
  return String(value);
}
