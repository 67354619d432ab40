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
