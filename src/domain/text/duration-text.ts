/** Units of a duration from the largest down, with their symbols and lengths in seconds. */
const UNITS = [
  { symbol: 'd', seconds: 86_400 },
  { symbol: 'h', seconds: 3_600 },
  { symbol: 'min', seconds: 60 },
  { symbol: 's', seconds: 1 },
] as const;

/**
 * Writes an elapsed time in its largest unit and the next one when that is
 * not zero, rounded down: "45 s", "1 min", "2 h 5 min", "3 d 4 h". Rounding
 * down never names more time than has passed.
 */
export function durationText(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const index = UNITS.findIndex((unit) => unit.seconds <= whole);
  const largest = UNITS[index];
  if (largest === undefined) return '0 s';

  const parts = [`${Math.floor(whole / largest.seconds)} ${largest.symbol}`];
  const next = UNITS[index + 1];
  const nextCount = next ? Math.floor((whole % largest.seconds) / next.seconds) : 0;
  if (next && nextCount > 0) parts.push(`${nextCount} ${next.symbol}`);
  return parts.join(' ');
}
