/** Formats rows as an aligned text table with a header line. */
export function formatTable(headers: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((row) => row.map((value) => formatCell(value)));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => row[column]?.length ?? 0)),
  );
  const line = (values: string[]) =>
    values
      .map((value, column) => value.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join(
    '\n',
  );
}

/** Fractions keep four significant digits, so a small rate such as 0.0002 does not print as 0.00. */
function formatCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number' && !Number.isInteger(value))
    return String(Number(value.toPrecision(4)));
  return String(value);
}

/** Writes a count with its noun, in the plural unless the count is one: "1 row", "3 rows". */
export function plural(count: number, noun: string): string {
  return `${count} ${count === 1 ? noun : `${noun}s`}`;
}
