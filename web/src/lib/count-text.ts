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

const relativeTime = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/**
 * Says in words when a wait of `seconds` ends, rounded up: "in 45 seconds",
 * "in 1 minute", "in 15 minutes", "in 2 hours". Rounding up never names a
 * time before the wait is over.
 */
export function waitText(seconds: number): string {
  if (seconds < 60) return relativeTime.format(Math.max(1, Math.ceil(seconds)), 'second');
  if (seconds < 3600) return relativeTime.format(Math.ceil(seconds / 60), 'minute');
  return relativeTime.format(Math.ceil(seconds / 3600), 'hour');
}
