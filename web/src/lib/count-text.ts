/** The app's words are English, so the plural category follows English rules whatever the browser's locale. */
const englishPlurals = new Intl.PluralRules('en');

/** Tells whether English uses the singular for the count: "1 run is", but "0 runs are". */
export function takesSingular(count: number): boolean {
  return englishPlurals.select(count) === 'one';
}

/**
 * Formats a count with the noun form that fits it: "1 row", "0 rows",
 * "12,000 rows". The number uses the browser's locale, as the rest of the app's numbers do.
 */
export function countText(count: number, singular: string, plural = `${singular}s`): string {
  return `${count.toLocaleString()} ${takesSingular(count) ? singular : plural}`;
}
