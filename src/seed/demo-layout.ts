/**
 * Row counts and identity ranges of the demo data for one scale and window.
 *
 * People are numbered, and person i has identifier sha256('person' || i ||
 * '@example.com'). The advertiser's customers are persons [0, customerCount).
 * Publisher subscriber j is person `subscriberPersonOffset + j`, so the first
 * `overlapCount` subscribers are also advertiser customers. Retailer member m
 * is person `memberPersonStride * m`, which spreads members over both ranges.
 */
export interface DemoLayout {
  customerCount: number;
  subscriberCount: number;
  exposureCount: number;
  conversionCount: number;
  memberCount: number;
  /** Advertiser customers who are also publisher subscribers. */
  overlapCount: number;
  subscriberPersonOffset: number;
  memberPersonStride: number;
  /** First day of the 30-day window, YYYY-MM-DD. */
  windowStartDate: string;
  /** Last day of the window, YYYY-MM-DD. */
  windowEndDate: string;
  windowSeconds: number;
}

/** Row counts at scale 1. */
export const fullScaleRowCounts = {
  customers: 1_000_000,
  subscribers: 2_000_000,
  exposures: 10_000_000,
  conversions: 500_000,
  members: 300_000,
} as const;

/** Share of the advertiser's customers who are publisher subscribers. */
const overlapShareOfCustomers = 0.4;
const memberPersonStride = 7;
export const windowDays = 30;
const secondsPerDay = 86_400;

export function planDemoLayout(scale: number, endDate: string): DemoLayout {
  const customerCount = scaleRowCount(fullScaleRowCounts.customers, scale);
  const subscriberCount = scaleRowCount(fullScaleRowCounts.subscribers, scale);
  const overlapCount = Math.min(
    Math.round(customerCount * overlapShareOfCustomers),
    subscriberCount,
  );

  return {
    customerCount,
    subscriberCount,
    exposureCount: scaleRowCount(fullScaleRowCounts.exposures, scale),
    conversionCount: scaleRowCount(fullScaleRowCounts.conversions, scale),
    memberCount: scaleRowCount(fullScaleRowCounts.members, scale),
    overlapCount,
    subscriberPersonOffset: customerCount - overlapCount,
    memberPersonStride,
    windowStartDate: addDays(endDate, -(windowDays - 1)),
    windowEndDate: endDate,
    windowSeconds: windowDays * secondsPerDay,
  };
}

function scaleRowCount(fullScaleCount: number, scale: number): number {
  return Math.max(1, Math.round(fullScaleCount * scale));
}

function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
