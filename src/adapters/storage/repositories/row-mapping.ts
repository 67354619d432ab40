/** Converts a timestamptz value from either backend to an ISO 8601 string. */
export function toIso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

export function toIsoOrNull(value: Date | string | null): string | null {
  return value === null ? null : toIso(value);
}

/** Converts a `date` column (a Date at UTC midnight, or a string) to YYYY-MM-DD. */
export function toDateString(value: Date | string): string {
  if (typeof value === 'string') return value.slice(0, 10);
  const local = new Date(value.getTime() - value.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

export function toDateStringOrNull(value: Date | string | null): string | null {
  return value === null ? null : toDateString(value);
}
