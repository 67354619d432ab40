export const adChannels = ['display', 'video', 'ctv', 'audio'] as const;
export type AdChannel = (typeof adChannels)[number];

/** A campaign of the demo publisher, with how its exposures and conversions are drawn. */
export interface DemoCampaign {
  id: string;
  /** Share of all exposures. */
  exposureShare: number;
  /** Average exposures per pool slot. The campaign's pool has exposures / meanFrequency slots. */
  meanFrequency: number;
  primaryChannel: AdChannel;
  /** Flight within the 30-day window, in days from its first day. */
  flightStartDay: number;
  flightDays: number;
  /** Relative weight of this campaign's exposures as the cause of a conversion. */
  conversionLift: number;
}

/** Twelve campaigns of different sizes, frequencies, flights and effectiveness. */
export const demoCampaigns: readonly DemoCampaign[] = [
  campaign('CMP-001', 0.22, 5.0, 'display', 0, 30, 1.0),
  campaign('CMP-002', 0.16, 4.0, 'video', 0, 21, 1.6),
  campaign('CMP-003', 0.13, 6.0, 'display', 5, 25, 0.7),
  campaign('CMP-004', 0.1, 3.0, 'ctv', 10, 20, 2.2),
  campaign('CMP-005', 0.09, 3.5, 'video', 0, 14, 1.2),
  campaign('CMP-006', 0.07, 2.5, 'audio', 14, 16, 0.8),
  campaign('CMP-007', 0.06, 4.5, 'display', 7, 14, 1.0),
  campaign('CMP-008', 0.05, 3.0, 'ctv', 20, 10, 2.8),
  campaign('CMP-009', 0.04, 2.5, 'audio', 0, 30, 0.5),
  campaign('CMP-010', 0.04, 5.5, 'video', 15, 15, 1.4),
  campaign('CMP-011', 0.025, 2.0, 'display', 25, 5, 1.9),
  campaign('CMP-012', 0.015, 3.0, 'ctv', 3, 7, 3.5),
];

function campaign(
  id: string,
  exposureShare: number,
  meanFrequency: number,
  primaryChannel: AdChannel,
  flightStartDay: number,
  flightDays: number,
  conversionLift: number,
): DemoCampaign {
  return {
    id,
    exposureShare,
    meanFrequency,
    primaryChannel,
    flightStartDay,
    flightDays,
    conversionLift,
  };
}

/**
 * Splits `total` into integer parts proportional to `weights` (largest
 * remainder method), so the parts always add up to `total` exactly.
 */
export function allocateByWeight(total: number, weights: readonly number[]): number[] {
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
  const exact = weights.map((weight) => (total * weight) / weightSum);
  const parts = exact.map(Math.floor);
  let remaining = total - parts.reduce((sum, part) => sum + part, 0);

  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (remaining === 0) break;
    parts[index] = (parts[index] ?? 0) + 1;
    remaining -= 1;
  }
  return parts;
}
