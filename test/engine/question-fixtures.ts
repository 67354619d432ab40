import type { BoundDataset, PrivacySettings } from '../../src/adapters/engine/engine.ts';
import type { DatasetColumn } from '../../src/domain/datasets/dataset.ts';
import { createRandom, sha256Hex, writeParquet } from './engine-test-support.ts';

/**
 * Generated clean room data with known results. The tests compare the
 * engine's results with the plain JavaScript computations below.
 */
const DAY_MS = 86_400_000;
const JANUARY_START = Date.UTC(2024, 0, 1);
const AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55+'];
const REGIONS = ['north', 'south', 'east', 'west'];
const INTERESTS = ['sports', 'travel', 'cooking'];
const CAMPAIGNS = ['C1', 'C2', 'C3', 'C4'];

export const exactPrivacy: PrivacySettings = {
  crowdSize: 1,
  noise: { enabled: false, scale: 1 },
  noiseSeed: null,
};

export interface AudienceMember {
  id: string;
  age_band: string;
  region: string | null;
  interest: string;
}

export interface Exposure {
  id: string;
  campaign_id: string;
  at: number;
}

export interface Conversion {
  id: string;
  at: number;
  value: number;
}

export interface QuestionData {
  mine: string[];
  partner: AudienceMember[];
  exposures: Exposure[];
  conversions: Conversion[];
  datasets: {
    myAudience: BoundDataset;
    partnerAudience: BoundDataset;
    exposures: BoundDataset;
    conversions: BoundDataset;
  };
}

const identifier: DatasetColumn = {
  name: 'email_sha256',
  dataType: 'STRING',
  identifierType: 'EMAIL_SHA256',
  isPii: false,
};
const attribute = (
  name: string,
  dataType: DatasetColumn['dataType'] = 'STRING',
): DatasetColumn => ({
  name,
  dataType,
  identifierType: null,
  isPii: false,
});

function timestampText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** People 0-1499 are my customers and people 900-2999 the partner's audience, so 900-1499 overlap. */
export async function generateQuestionData(file: (name: string) => string): Promise<QuestionData> {
  const random = createRandom(20240101);
  const person = (index: number) => sha256Hex(`person${index}@example.com`);

  const mine = Array.from({ length: 1500 }, (_, index) => person(index));
  const partner = Array.from({ length: 2100 }, (_, offset): AudienceMember => {
    const index = 900 + offset;
    // Four overlapping people like chess, a segment under any sensible crowd size.
    const interest = index >= 1000 && index < 1004 ? 'chess' : (INTERESTS[random(3)] as string);
    const region = random(10) === 0 ? null : (REGIONS[random(4)] as string);
    return { id: person(index), age_band: AGE_BANDS[random(5)] as string, region, interest };
  });

  const exposures: Exposure[] = [];
  for (let index = 0; index < 3000; index++) {
    const count = random(8);
    for (let exposure = 0; exposure < count; exposure++) {
      exposures.push({
        id: person(index),
        campaign_id: CAMPAIGNS[random(4)] as string,
        at: JANUARY_START + random(31 * 24 * 60) * 60_000,
      });
    }
  }

  const conversions: Conversion[] = [];
  for (let index = 0; index < 1500; index++) {
    if (random(3) !== 0) continue;
    const count = 1 + random(2);
    for (let conversion = 0; conversion < count; conversion++) {
      conversions.push({
        id: person(index),
        at: JANUARY_START + (4 * 24 * 60 + random(27 * 24 * 60)) * 60_000,
        value: random(10_000) / 100,
      });
    }
  }

  const datasets = await writeDatasets(file, { mine, partner, exposures, conversions });
  return { mine, partner, exposures, conversions, datasets };
}

async function writeDatasets(
  file: (name: string) => string,
  data: Omit<QuestionData, 'datasets'>,
): Promise<QuestionData['datasets']> {
  await writeParquet(
    file('my-audience.parquet'),
    { email_sha256: 'VARCHAR', loyalty_tier: 'VARCHAR' },
    data.mine.map((id, index) => ({
      email_sha256: id,
      loyalty_tier: index % 2 === 0 ? 'gold' : 'silver',
    })),
  );
  await writeParquet(
    file('partner-audience.parquet'),
    {
      email_sha256: 'VARCHAR',
      age_band: 'VARCHAR',
      region: 'VARCHAR',
      interest: 'VARCHAR',
      first_name: 'VARCHAR',
    },
    data.partner.map((member, index) => ({
      email_sha256: member.id,
      age_band: member.age_band,
      region: member.region,
      interest: member.interest,
      first_name: `Name${index}`,
    })),
  );
  await writeParquet(
    file('exposures.parquet'),
    {
      email_sha256: 'VARCHAR',
      campaign_id: 'VARCHAR',
      exposure_at: 'TIMESTAMP',
      channel: 'VARCHAR',
    },
    data.exposures.map((exposure) => ({
      email_sha256: exposure.id,
      campaign_id: exposure.campaign_id,
      exposure_at: timestampText(exposure.at),
      channel: 'web',
    })),
  );
  await writeParquet(
    file('conversions.parquet'),
    { email_sha256: 'VARCHAR', conversion_at: 'TIMESTAMP', conversion_value: 'DOUBLE' },
    data.conversions.map((conversion) => ({
      email_sha256: conversion.id,
      conversion_at: timestampText(conversion.at),
      conversion_value: conversion.value,
    })),
  );

  return {
    myAudience: {
      macro: '@my_audience',
      datasetId: 'my-audience',
      location: file('my-audience.parquet'),
      columns: [identifier, attribute('loyalty_tier')],
    },
    partnerAudience: {
      macro: '@partner_audience',
      datasetId: 'partner-audience',
      location: file('partner-audience.parquet'),
      columns: [
        identifier,
        attribute('age_band'),
        attribute('region'),
        attribute('interest'),
        { ...attribute('first_name'), isPii: true },
      ],
    },
    exposures: {
      macro: '@exposures',
      datasetId: 'exposures',
      location: file('exposures.parquet'),
      columns: [
        identifier,
        attribute('campaign_id'),
        attribute('exposure_at', 'TIMESTAMP'),
        attribute('channel'),
      ],
    },
    conversions: {
      macro: '@conversions',
      datasetId: 'conversions',
      location: file('conversions.parquet'),
      columns: [
        identifier,
        attribute('conversion_at', 'TIMESTAMP'),
        attribute('conversion_value', 'DOUBLE'),
      ],
    },
  };
}

function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

function countDistinct<T>(items: T[], key: (item: T) => string): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const item of items) {
    const name = key(item);
    if (!groups.has(name)) groups.set(name, new Set());
    groups.get(name)?.add((item as { id: string }).id);
  }
  return groups;
}

/** Expected audience_overlap rows by attribute value, with true counts. */
export function expectedOverlap(
  data: QuestionData,
  attributeName: 'age_band' | 'region' | 'interest',
) {
  const mine = new Set(data.mine);
  const partnerBySegment = countDistinct(data.partner, (member) => String(member[attributeName]));
  const overlapBySegment = countDistinct(
    data.partner.filter((member) => mine.has(member.id)),
    (member) => String(member[attributeName]),
  );
  // Shares are over segment memberships, summed across the released segments.
  const overlapTotal = [...overlapBySegment.values()].reduce((sum, ids) => sum + ids.size, 0);
  const partnerTotal = [...partnerBySegment.values()].reduce((sum, ids) => sum + ids.size, 0);

  return new Map(
    [...partnerBySegment].map(([segment, partnerIds]) => {
      const overlap = overlapBySegment.get(segment)?.size ?? 0;
      const partnerCount = partnerIds.size;
      const index = (overlap / overlapTotal / (partnerCount / partnerTotal)) * 100;
      return [
        segment,
        {
          overlap,
          partnerCount,
          rate: Math.round((overlap / partnerCount) * 1e4) / 1e4,
          index: Math.round(index * 100) / 100,
        },
      ];
    }),
  );
}

/** Expected reach_frequency rows keyed "campaign|bucket". */
export function expectedReachFrequency(
  data: QuestionData,
  dateStart: string,
  dateEnd: string,
  campaigns: string[] | null,
) {
  const mine = new Set(data.mine);
  const from = dayStart(dateStart);
  const to = dayStart(dateEnd) + DAY_MS;
  const frequencies = new Map<string, number>();
  for (const exposure of data.exposures) {
    const inWindow = exposure.at >= from && exposure.at < to;
    if (
      !inWindow ||
      !mine.has(exposure.id) ||
      (campaigns && !campaigns.includes(exposure.campaign_id))
    )
      continue;
    const key = `${exposure.campaign_id}|${exposure.id}`;
    frequencies.set(key, (frequencies.get(key) ?? 0) + 1);
  }

  const rows = new Map<string, { reach: number; impressions: number }>();
  const add = (key: string, frequency: number) => {
    const row = rows.get(key) ?? { reach: 0, impressions: 0 };
    rows.set(key, { reach: row.reach + 1, impressions: row.impressions + frequency });
  };
  for (const [key, frequency] of frequencies) {
    const campaign = key.split('|')[0] as string;
    add(`${campaign}|${frequency >= 5 ? '5+' : String(frequency)}`, frequency);
    add(`${campaign}|ALL`, frequency);
  }
  return rows;
}

/** Expected attribution rows by campaign. */
export function expectedAttribution(
  data: QuestionData,
  model: 'first_touch' | 'last_touch' | 'linear',
  lookbackDays: number,
  dateStart: string,
  dateEnd: string,
) {
  const from = dayStart(dateStart);
  const to = dayStart(dateEnd) + DAY_MS;
  const byPerson = new Map<string, Exposure[]>();
  for (const exposure of data.exposures)
    byPerson.set(exposure.id, [...(byPerson.get(exposure.id) ?? []), exposure]);
  const rows = new Map<string, { converters: Set<string>; conversions: number; value: number }>();

  for (const conversion of data.conversions) {
    if (conversion.at < from || conversion.at >= to) continue;
    const touches = (byPerson.get(conversion.id) ?? [])
      .filter(
        (exposure) =>
          exposure.at <= conversion.at && exposure.at >= conversion.at - lookbackDays * DAY_MS,
      )
      .sort((a, b) => a.at - b.at || a.campaign_id.localeCompare(b.campaign_id));
    if (touches.length === 0) continue;

    let credited = touches;
    if (model === 'first_touch') credited = touches.slice(0, 1);
    if (model === 'last_touch') credited = touches.slice(-1);
    const credit = 1 / credited.length;
    for (const touch of credited) {
      const row = rows.get(touch.campaign_id) ?? {
        converters: new Set<string>(),
        conversions: 0,
        value: 0,
      };
      row.converters.add(conversion.id);
      row.conversions += credit;
      row.value += credit * conversion.value;
      rows.set(touch.campaign_id, row);
    }
  }
  return rows;
}

/** Expected segment_sizing rows keyed "SEGMENT|value" and "TOTAL|". */
export function expectedSegmentSizing(data: QuestionData, values: string[] | null) {
  const mine = new Set(data.mine);
  const matched = data.partner.filter(
    (member) =>
      mine.has(member.id) &&
      (values === null || (member.region !== null && values.includes(member.region))),
  );
  const rows = new Map<string, number>();
  for (const [segment, ids] of countDistinct(matched, (member) => String(member.region)))
    rows.set(`SEGMENT|${segment}`, ids.size);
  rows.set('TOTAL|', new Set(matched.map((member) => member.id)).size);
  return rows;
}
