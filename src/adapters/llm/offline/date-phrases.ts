/** A range of days, both ends inclusive, as YYYY-MM-DD (UTC). */
export interface DayRange {
  start: string;
  end: string;
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

const ISO_DAY = '(\\d{4}-\\d{2}-\\d{2})';
const EXPLICIT_RANGE = new RegExp(
  `(?:from|between)\\s+${ISO_DAY}\\s+(?:to|and|until)\\s+${ISO_DAY}`,
);
const LAST_DAYS = /\b(?:last|past|previous)\s+(\d{1,3})\s+days?\b/;
const LAST_WEEKS = /\b(?:last|past|previous)\s+(\d{1,2})\s+weeks?\b/;
const MONTH_NAME = new RegExp(`\\b(${MONTHS.join('|')})(?:\\s+(\\d{4}))?\\b`);

/**
 * Reads the first date phrase of a sentence: "from 2026-11-01 to
 * 2026-11-15", "last 30 days", "last 2 weeks", "last week", "last month"
 * (the previous calendar month), "in November 2026" or "in November" (the
 * latest November that has begun), "yesterday", "today". "Last N days"
 * ends today. Returns null when the sentence names no dates.
 */
export function readDayRange(sentence: string, today: Date): DayRange | null {
  const text = sentence.toLowerCase();
  const day = isoDay(today);

  const explicit = EXPLICIT_RANGE.exec(text);
  if (explicit?.[1] && explicit[2]) return { start: explicit[1], end: explicit[2] };

  const lastDays = LAST_DAYS.exec(text);
  if (lastDays?.[1]) return endingOn(day, Number(lastDays[1]));

  const lastWeeks = LAST_WEEKS.exec(text);
  if (lastWeeks?.[1]) return endingOn(day, Number(lastWeeks[1]) * 7);
  if (/\b(?:last|past|previous)\s+week\b/.test(text)) return endingOn(day, 7);
  if (/\b(?:last|previous)\s+month\b/.test(text)) return previousMonth(today);

  const month = MONTH_NAME.exec(text);
  // "May" alone is too often the verb, so it counts as a month only with a year.
  if (month?.[1] && (month[1] !== 'may' || month[2])) return monthRange(today, month);

  if (/\byesterday\b/.test(text)) return endingOn(addDays(day, -1), 1);
  if (/\btoday\b/.test(text)) return endingOn(day, 1);
  return null;
}

/** Returns the `days` days ending today, inclusive. */
export function lastDays(today: Date, days: number): DayRange {
  return endingOn(isoDay(today), days);
}

/** `days` days ending on `end`, inclusive. */
function endingOn(end: string, days: number): DayRange {
  return { start: addDays(end, -(Math.max(1, days) - 1)), end };
}

function previousMonth(today: Date): DayRange {
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1));
  return monthOf(first.getUTCFullYear(), first.getUTCMonth());
}

/** Returns the named month of the given year, or of the latest year in which it has begun. */
function monthRange(today: Date, match: RegExpExecArray): DayRange {
  const monthIndex = MONTHS.indexOf(match[1] ?? '');
  const year = match[2]
    ? Number(match[2])
    : monthIndex <= today.getUTCMonth()
      ? today.getUTCFullYear()
      : today.getUTCFullYear() - 1;
  return monthOf(year, monthIndex);
}

function monthOf(year: number, monthIndex: number): DayRange {
  const start = new Date(Date.UTC(year, monthIndex, 1));
  const end = new Date(Date.UTC(year, monthIndex + 1, 0));
  return { start: isoDay(start), end: isoDay(end) };
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDay(date);
}
