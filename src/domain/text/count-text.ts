/** Tool and error texts are English, so the plural category follows English rules. */
const englishPlurals = new Intl.PluralRules('en');

/**
 * Writes a count with the noun form that fits it: "1 partner", "0 partners",
 * "1 person", "3 people". The plural adds an s unless given.
 */
export function countText(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${englishPlurals.select(count) === 'one' ? singular : plural}`;
}
