import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';

/** Query of every list: an opaque cursor from the previous page and a page size. */
export const PageQuerySchema = z.object({
  cursor: z.string().max(512).optional(),
  /** Requested page size; larger values are capped at the server's maximum page size. */
  limit: z.coerce.number().int().min(1).optional(),
});
export type PageQuery = z.infer<typeof PageQuerySchema>;

export function pageSchema<Item extends z.ZodType>(item: Item) {
  return z.object({
    items: z.array(item),
    /** Cursor of the next page; null on the last page. */
    nextCursor: z.string().nullable(),
  });
}

export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

/** Position after the last item of a page, in the list's sort order. */
export type CursorPosition = (string | number)[];

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): CursorPosition | null {
  if (cursor === undefined || cursor === '') return null;

  try {
    const position: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const valid =
      Array.isArray(position) &&
      position.every((part) => typeof part === 'string' || typeof part === 'number');
    if (valid) return position as CursorPosition;
  } catch {
    // Falls through to the error below: a cursor that is not base64url JSON is invalid.
  }
  throw new AppError(
    'CURSOR_INVALID',
    `Cursor "${cursor}" is invalid; pass the nextCursor of the previous page unchanged.`,
    {
      details: { cursor },
    },
  );
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Position in a list sorted by a timestamp and then an id, newest first. */
export interface TimeKeyset {
  at: string;
  id: string;
}

/**
 * Decodes the cursor of a list sorted by (timestamp, id). A cursor that
 * decodes but contains other values is rejected here, so it never reaches SQL.
 */
export function decodeTimeKeyset(cursor: string | undefined): TimeKeyset | undefined {
  const position = decodeCursor(cursor);
  if (position === null) return undefined;

  const [at, id] = position;
  const valid =
    position.length === 2 &&
    typeof at === 'string' &&
    !Number.isNaN(Date.parse(at)) &&
    typeof id === 'string' &&
    UUID_PATTERN.test(id);
  if (valid) return { at, id };
  throw new AppError(
    'CURSOR_INVALID',
    `Cursor "${cursor}" does not belong to this list; pass the nextCursor of the previous page unchanged.`,
    {
      details: { cursor },
    },
  );
}

/** Limits a requested page size to the configured maximum; `fallback` when none was requested. */
export function resolvePageSize(
  requested: number | undefined,
  maximum: number,
  fallback = 50,
): number {
  return Math.min(requested ?? fallback, maximum);
}

/** Builds a page from `limit + 1` fetched rows: the extra row only signals that more exist. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  positionOf: (row: Row) => CursorPosition,
): Page<Item> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(toItem),
    nextCursor: hasMore && last !== undefined ? encodeCursor(positionOf(last)) : null,
  };
}

/**
 * Pages a short list that is loaded whole (a room's partners, an
 * organization's API keys), with an offset cursor, so every list handles
 * `limit` and `cursor` the same way.
 */
export function pageInMemory<Item>(items: Item[], query: PageQuery, maximum: number): Page<Item> {
  const limit = resolvePageSize(query.limit, maximum);
  const offset = decodeOffsetCursor(query.cursor);
  const end = offset + limit;
  return {
    items: items.slice(offset, end),
    nextCursor: end < items.length ? encodeCursor([end]) : null,
  };
}

/** Largest row offset a cursor or an offset argument may carry: PostgreSQL's int4 maximum, the type of offset parameters in our queries. */
export const ROW_OFFSET_MAX = 2_147_483_647;

/** Decodes a cursor that contains a row offset, or returns 0 when there is no cursor. */
export function decodeOffsetCursor(cursor: string | undefined): number {
  const position = decodeCursor(cursor);
  if (position === null) return 0;

  const [offset] = position;
  if (
    position.length === 1 &&
    typeof offset === 'number' &&
    Number.isSafeInteger(offset) &&
    offset >= 0 &&
    offset <= ROW_OFFSET_MAX
  ) {
    return offset;
  }
  throw new AppError(
    'CURSOR_INVALID',
    `Cursor "${cursor}" does not belong to this list (an offset cursor holds one row offset from 0 to ${ROW_OFFSET_MAX}); pass the nextCursor of the previous page unchanged.`,
    {
      details: { cursor },
    },
  );
}
