/**
 * The storage port. Both backends return int8 and count(*) as JS numbers,
 * numeric as strings, timestamptz as Date and json/jsonb parsed.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Schema that contains the platform's tables, set as the search_path of every connection. */
  readonly schema: string;
  /** Runs `work` in one transaction, rolled back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters; returns the rows of the last one. */
  exec(script: string): Promise<Record<string, unknown>[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Largest int8 that still converts to a JS number without losing precision. */
export function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) {
    throw new RangeError(`int8 value ${value} exceeds Number.MAX_SAFE_INTEGER`);
  }
  return parsed;
}
