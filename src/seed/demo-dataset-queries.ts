import {
  adChannels,
  allocateByWeight,
  demoCampaigns,
  type DemoCampaign,
} from './demo-campaigns.ts';
import type { DemoLayout } from './demo-layout.ts';
import { quoteSqlString, weightedChoiceSql, type WeightedChoices } from './seed-sql.ts';

/**
 * SELECT statements that produce each demo dataset from range(). Each row is
 * a pure function of its row number, so the output does not depend on thread
 * count or scheduling. The statements call the macros in `seedMacrosSql`.
 */

const loyaltyTiers: WeightedChoices = [
  ['BRONZE', 55],
  ['SILVER', 28],
  ['GOLD', 13],
  ['PLATINUM', 4],
];

/** Publisher audience outside the advertiser's customers. */
const ageBandsOfOtherPeople: WeightedChoices = [
  ['18-24', 14],
  ['25-34', 22],
  ['35-44', 20],
  ['45-54', 17],
  ['55-64', 15],
  ['65+', 12],
];

/** The advertiser's customers skew older, so the overlap index varies by age band. */
const ageBandsOfCustomers: WeightedChoices = [
  ['18-24', 5],
  ['25-34', 15],
  ['35-44', 24],
  ['45-54', 25],
  ['55-64', 18],
  ['65+', 13],
];

const regions: WeightedChoices = [
  ['Northeast', 14],
  ['Mid-Atlantic', 12],
  ['Southeast', 18],
  ['Midwest', 16],
  ['South Central', 13],
  ['Mountain', 7],
  ['Pacific Northwest', 8],
  ['California', 12],
];

/** `sailing` is rare on purpose: about 16 matched people at scale 0.01, under a crowd size of 50. */
const interestsOfOtherPeople: WeightedChoices = [
  ['news', 18],
  ['sports', 15],
  ['food', 12],
  ['finance', 11],
  ['travel', 10],
  ['technology', 10],
  ['fashion', 8],
  ['home_garden', 8],
  ['gaming', 7.6],
  ['sailing', 0.4],
];

const interestsOfCustomers: WeightedChoices = [
  ['news', 17],
  ['sports', 12],
  ['food', 11],
  ['finance', 16],
  ['travel', 15],
  ['technology', 9],
  ['fashion', 8],
  ['home_garden', 9],
  ['gaming', 2.6],
  ['sailing', 0.4],
];

const storeRegions: WeightedChoices = [
  ['North', 18],
  ['South', 24],
  ['East', 20],
  ['West', 22],
  ['Central', 10],
  ['Online', 6],
];

const memberTiers: WeightedChoices = [
  ['STANDARD', 70],
  ['PLUS', 22],
  ['PREMIER', 8],
];

const daysPerYear = 365;
const secondsPerDay = 86_400;
/** Exposures per slot follow a power law: slot = floor(pool * u^exponent). */
const frequencySkewExponent = 1.5;
/** Share of conversions drawn from an exposure (the rest come from any customer at any time). */
const exposureDrivenConversionShare = 0.5;
/** One exposure in five reaches an advertiser customer, so 6 attempts find one 74% of the time. */
const exposureAttemptsPerConversion = 6;
const maxConversionLagSeconds = 7 * secondsPerDay;

export function selectAdvertiserCrmSql(layout: DemoLayout): string {
  const tierMultiplier = `CASE loyalty_tier WHEN 'SILVER' THEN 2.2 WHEN 'GOLD' THEN 4.5 WHEN 'PLATINUM' THEN 9 ELSE 1 END`;
  return `
    SELECT person_email_sha256(person_id) AS email_sha256,
           loyalty_tier,
           DATE '${layout.windowEndDate}' - customer_age_days AS customer_since,
           round(${tierMultiplier} * 150 * -ln(1 - value_draw), 2) AS lifetime_value
    FROM (
      SELECT person_id,
             ${weightedChoiceSql('tier_draw', loyaltyTiers)} AS loyalty_tier,
             floor(pow(since_draw, 2) * ${10 * daysPerYear})::INTEGER AS customer_age_days,
             value_draw
      FROM (
        SELECT person_id,
               uniform_draw(person_id, 'crm-tier') AS tier_draw,
               uniform_draw(person_id, 'crm-since') AS since_draw,
               uniform_draw(person_id, 'crm-value') AS value_draw
        FROM range(${layout.customerCount}) AS people(person_id)
      )
    )`;
}

export function selectPublisherSubscribersSql(layout: DemoLayout): string {
  const isCustomer = `person_id < ${layout.customerCount}`;
  return `
    SELECT person_email_sha256(person_id) AS email_sha256,
           CASE WHEN ${isCustomer}
                THEN ${weightedChoiceSql('age_draw', ageBandsOfCustomers)}
                ELSE ${weightedChoiceSql('age_draw', ageBandsOfOtherPeople)} END AS age_band,
           ${weightedChoiceSql('region_draw', regions)} AS region,
           CASE WHEN ${isCustomer}
                THEN ${weightedChoiceSql('interest_draw', interestsOfCustomers)}
                ELSE ${weightedChoiceSql('interest_draw', interestsOfOtherPeople)} END AS interest,
           DATE '${layout.windowEndDate}' - floor(pow(since_draw, 1.5) * ${8 * daysPerYear})::INTEGER
             AS subscribed_at
    FROM (
      SELECT person_id,
             uniform_draw(person_id, 'audience-age') AS age_draw,
             uniform_draw(person_id, 'audience-region') AS region_draw,
             uniform_draw(person_id, 'audience-interest') AS interest_draw,
             uniform_draw(person_id, 'audience-since') AS since_draw
      FROM (
        SELECT ${layout.subscriberPersonOffset} + subscriber_no AS person_id
        FROM range(${layout.subscriberCount}) AS subscribers(subscriber_no)
      )
    )`;
}

export function selectPublisherExposuresSql(layout: DemoLayout): string {
  const counts = exposureCountsByCampaign(layout);
  const parts = demoCampaigns.map((campaign, index) =>
    selectCampaignExposuresSql(layout, campaign, counts[index] ?? 0),
  );
  return parts.join('\nUNION ALL\n');
}

export function selectAdvertiserConversionsSql(layout: DemoLayout): string {
  const drivenTotal = Math.round(layout.conversionCount * exposureDrivenConversionShare);
  const drivenCounts = allocateByWeight(
    drivenTotal,
    demoCampaigns.map((campaign) => campaign.exposureShare * campaign.conversionLift),
  );
  const exposureCounts = exposureCountsByCampaign(layout);

  const parts = demoCampaigns.map((campaign, index) =>
    selectExposureDrivenConversionsSql(layout, campaign, {
      conversionCount: drivenCounts[index] ?? 0,
      exposureCount: exposureCounts[index] ?? 0,
    }),
  );
  parts.push(selectBaselineConversionsSql(layout, layout.conversionCount - drivenTotal));
  return parts.join('\nUNION ALL\n');
}

export function selectRetailerMembersSql(layout: DemoLayout): string {
  return `
    SELECT person_email_sha256(person_id) AS email_sha256,
           ${weightedChoiceSql('region_draw', storeRegions)} AS store_region,
           ${weightedChoiceSql('tier_draw', memberTiers)} AS loyalty_tier
    FROM (
      SELECT person_id,
             uniform_draw(person_id, 'retailer-region') AS region_draw,
             uniform_draw(person_id, 'retailer-tier') AS tier_draw
      FROM (
        SELECT member_no * ${layout.memberPersonStride} AS person_id
        FROM range(${layout.memberCount}) AS members(member_no)
      )
    )`;
}

function exposureCountsByCampaign(layout: DemoLayout): number[] {
  return allocateByWeight(
    layout.exposureCount,
    demoCampaigns.map((campaign) => campaign.exposureShare),
  );
}

/**
 * SQL expressions for exposure number `exposureNoColumn` of a campaign: which
 * subscriber saw it and when, in seconds from the window start. Conversions
 * reuse them to find the exposure that led to a conversion.
 */
function exposureDrawSql(
  layout: DemoLayout,
  campaign: DemoCampaign,
  exposureCount: number,
  exposureNoColumn: string,
): { subscriberNo: string; offsetSeconds: string } {
  const poolSize = Math.max(1, Math.round(exposureCount / campaign.meanFrequency));
  const slot = `floor(${poolSize} * pow(uniform_draw(${exposureNoColumn}, ${quoteSqlString(`exposure-slot-${campaign.id}`)}), ${frequencySkewExponent}))::BIGINT`;
  const flightStart = campaign.flightStartDay * secondsPerDay;
  const flightLength = campaign.flightDays * secondsPerDay;

  return {
    subscriberNo: `(mixed_hash(${slot}, ${quoteSqlString(`exposure-pool-${campaign.id}`)}) % ${layout.subscriberCount})::BIGINT`,
    offsetSeconds: `(${flightStart} + floor(uniform_draw(${exposureNoColumn}, ${quoteSqlString(`exposure-time-${campaign.id}`)}) * ${flightLength})::BIGINT)`,
  };
}

function selectCampaignExposuresSql(
  layout: DemoLayout,
  campaign: DemoCampaign,
  exposureCount: number,
): string {
  const draw = exposureDrawSql(layout, campaign, exposureCount, 'exposure_no');
  const otherChannels = `[${adChannels.map(quoteSqlString).join(', ')}]`;
  return `
    SELECT person_email_sha256(${layout.subscriberPersonOffset} + subscriber_no) AS email_sha256,
           ${quoteSqlString(campaign.id)} AS campaign_id,
           TIMESTAMP '${layout.windowStartDate}' + to_seconds(offset_seconds) AS exposure_at,
           CASE WHEN channel_draw < 0.55 THEN ${quoteSqlString(campaign.primaryChannel)}
                ELSE ${otherChannels}[1 + floor((channel_draw - 0.55) / 0.45 * ${adChannels.length})::INTEGER]
           END AS channel
    FROM (
      SELECT ${draw.subscriberNo} AS subscriber_no,
             ${draw.offsetSeconds} AS offset_seconds,
             uniform_draw(exposure_no, ${quoteSqlString(`exposure-channel-${campaign.id}`)}) AS channel_draw
      FROM range(${exposureCount}) AS exposures(exposure_no)
    )`;
}

/**
 * Conversions caused by one campaign: each picks one of the campaign's
 * exposures to an advertiser customer and converts up to 7 days later. It
 * tries `exposureAttemptsPerConversion` random exposures, and when none of
 * them reached a customer the row becomes a baseline conversion.
 */
function selectExposureDrivenConversionsSql(
  layout: DemoLayout,
  campaign: DemoCampaign,
  counts: { conversionCount: number; exposureCount: number },
): string {
  const draw = exposureDrawSql(layout, campaign, counts.exposureCount, 'exposure_no');
  const salt = (purpose: string) => quoteSqlString(`conversion-${purpose}-${campaign.id}`);
  const attempts = exposureAttemptsPerConversion;
  const candidateExposures = `list_transform(range(${attempts}), lambda attempt:
    floor(uniform_draw(conversion_no * ${attempts} + attempt, ${salt('exposure')}) * ${counts.exposureCount})::BIGINT)`;
  const lagLimit = `least(${maxConversionLagSeconds}, ${layout.windowSeconds - 1} - offset_seconds)`;

  return `
    SELECT person_email_sha256(person_id) AS email_sha256,
           TIMESTAMP '${layout.windowStartDate}' + to_seconds(conversion_offset) AS conversion_at,
           ${conversionValueSql('value_draw')} AS conversion_value
    FROM (
      SELECT CASE WHEN exposure_no IS NOT NULL THEN ${layout.subscriberPersonOffset} + subscriber_no
                  ELSE floor(fallback_person_draw * ${layout.customerCount})::BIGINT END AS person_id,
             CASE WHEN exposure_no IS NOT NULL THEN offset_seconds + floor(lag_draw * ${lagLimit})::BIGINT
                  ELSE floor(fallback_time_draw * ${layout.windowSeconds})::BIGINT END AS conversion_offset,
             value_draw
      FROM (
        SELECT exposure_no,
               ${draw.subscriberNo} AS subscriber_no,
               ${draw.offsetSeconds} AS offset_seconds,
               uniform_draw(conversion_no, ${salt('lag')}) AS lag_draw,
               uniform_draw(conversion_no, ${salt('person')}) AS fallback_person_draw,
               uniform_draw(conversion_no, ${salt('time')}) AS fallback_time_draw,
               uniform_draw(conversion_no, ${salt('value')}) AS value_draw
        FROM (
          SELECT conversion_no,
                 list_filter(${candidateExposures},
                   lambda exposure_no: ${draw.subscriberNo} < ${layout.overlapCount})[1] AS exposure_no
          FROM range(${counts.conversionCount}) AS conversions(conversion_no)
        )
      )
    )`;
}

function selectBaselineConversionsSql(layout: DemoLayout, conversionCount: number): string {
  return `
    SELECT person_email_sha256(person_id) AS email_sha256,
           TIMESTAMP '${layout.windowStartDate}' + to_seconds(conversion_offset) AS conversion_at,
           ${conversionValueSql('value_draw')} AS conversion_value
    FROM (
      SELECT floor(uniform_draw(conversion_no, 'conversion-person-baseline') * ${layout.customerCount})::BIGINT
               AS person_id,
             floor(uniform_draw(conversion_no, 'conversion-time-baseline') * ${layout.windowSeconds})::BIGINT
               AS conversion_offset,
             uniform_draw(conversion_no, 'conversion-value-baseline') AS value_draw
      FROM range(${conversionCount}) AS conversions(conversion_no)
    )`;
}

/** Order values: at least 5.00, exponential tail with a mean of about 85. */
function conversionValueSql(drawColumn: string): string {
  return `round(5 + 80 * -ln(1 - ${drawColumn}), 2)`;
}
