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

function formatCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number' && !Number.isInteger(value)) return value.toFixed(2);
  return String(value);
}
