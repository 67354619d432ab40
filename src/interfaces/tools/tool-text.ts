import { escapeMarkdown } from '../../domain/text/escape-markdown.ts';

/** Widest cell of a text table, in characters; longer values are cut with an ellipsis. */
const CELL_WIDTH_MAX = 48;

type Cell = string | number | boolean | null | undefined;

/**
 * Formats rows as a compact pipe-separated table for people reading a tool
 * result. Empty cells show as "-", so columns stay countable. Header and cell
 * texts are escaped, because clients render the table as markdown.
 */
export function formatTable(header: string[], rows: Cell[][]): string {
  const names = header.map(escapeMarkdown);
  const lines = [names.join(' | '), names.map(() => '---').join(' | ')];
  for (const row of rows) lines.push(row.map(formatCell).join(' | '));
  return lines.join('\n');
}

export function formatCell(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  const text = typeof value === 'number' ? formatNumber(value) : String(value);
  const line = text.replace(/\s+/g, ' ');
  const cut = line.length > CELL_WIDTH_MAX ? `${line.slice(0, CELL_WIDTH_MAX - 1)}…` : line;
  // Escaped after cutting, so the cut never splits an escape from its character.
  return escapeMarkdown(cut);
}

/** Shows whole numbers as they are and others with at most four decimals. */
function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 10_000) / 10_000);
}

/**
 * Joins the blocks of a tool text (sentences, a list, a table) with blank
 * lines, and drops empty ones. Clients render the text as markdown, where a
 * line right after a table becomes one more row and the lines of one
 * paragraph run together.
 */
export function joinBlocks(blocks: readonly string[]): string {
  return blocks.filter((block) => block !== '').join('\n\n');
}

/** Joins up to `maximum` values, escaped for markdown, with commas, followed by the count of those left out. */
export function listValues(values: readonly (string | null)[], maximum = 20): string {
  const listed = values
    .slice(0, maximum)
    .map((value) => (value === null ? '(empty)' : escapeMarkdown(value)));
  const more = values.length - listed.length;
  return more > 0 ? `${listed.join(', ')} and ${more} more` : listed.join(', ');
}

/**
 * Wraps a text formatter of cached values so each value object is formatted
 * once: an in-process cache hit returns the same object on every call, and
 * a load after an invalidation returns a new one. The value must not change
 * after it was formatted, as a cached value must not anyway.
 */
export function formattedOncePerValue<Value extends object>(
  format: (value: Value) => string,
): (value: Value) => string {
  const texts = new WeakMap<Value, string>();
  return (value) => {
    let text = texts.get(value);
    if (text === undefined) texts.set(value, (text = format(value)));
    return text;
  };
}
