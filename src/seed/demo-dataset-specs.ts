import type { ColumnDataType, DatasetColumn } from '../domain/datasets/dataset.ts';
import {
  selectAdvertiserConversionsSql,
  selectAdvertiserCrmSql,
  selectPublisherExposuresSql,
  selectPublisherSubscribersSql,
  selectRetailerMembersSql,
} from './demo-dataset-queries.ts';
import type { DemoLayout } from './demo-layout.ts';

export type DemoDatasetKey =
  | 'advertiser_crm'
  | 'publisher_subscribers'
  | 'publisher_exposures'
  | 'advertiser_conversions'
  | 'retailer_members';

export type DemoDatasetOwner = 'advertiser' | 'publisher' | 'retailer';

/** A generated demo dataset: one Parquet file and the metadata a dataset record needs. */
export interface DemoDataset {
  key: DemoDatasetKey;
  owner: DemoDatasetOwner;
  dataType: 'CRM' | 'AUDIENCE' | 'EXPOSURES' | 'CONVERSIONS';
  name: string;
  description: string;
  /** Absolute path of the Parquet file. */
  location: string;
  columns: DatasetColumn[];
  rowCount: number;
  sizeBytes: number;
}

export interface DemoDatasetSpec extends Omit<DemoDataset, 'location' | 'rowCount' | 'sizeBytes'> {
  rowCount: (layout: DemoLayout) => number;
  selectSql: (layout: DemoLayout) => string;
}

const emailSha256Column: DatasetColumn = {
  name: 'email_sha256',
  dataType: 'STRING',
  identifierType: 'EMAIL_SHA256',
  isPii: false,
};

function attribute(name: string, dataType: ColumnDataType): DatasetColumn {
  return { name, dataType, identifierType: null, isPii: false };
}

/** The demo datasets in generation order. Column order matches the SELECT statements. */
export const demoDatasetSpecs: readonly DemoDatasetSpec[] = [
  {
    key: 'advertiser_crm',
    owner: 'advertiser',
    dataType: 'CRM',
    name: 'Advertiser CRM customers',
    description:
      'Customers of the advertiser with loyalty tier, first purchase date and lifetime value.',
    columns: [
      emailSha256Column,
      attribute('loyalty_tier', 'STRING'),
      attribute('customer_since', 'DATE'),
      attribute('lifetime_value', 'DOUBLE'),
    ],
    rowCount: (layout) => layout.customerCount,
    selectSql: selectAdvertiserCrmSql,
  },
  {
    key: 'publisher_subscribers',
    owner: 'publisher',
    dataType: 'AUDIENCE',
    name: 'Publisher subscribers',
    description: 'Subscribers of the publisher with age band, region and main interest.',
    columns: [
      emailSha256Column,
      attribute('age_band', 'STRING'),
      attribute('region', 'STRING'),
      attribute('interest', 'STRING'),
      attribute('subscribed_at', 'DATE'),
    ],
    rowCount: (layout) => layout.subscriberCount,
    selectSql: selectPublisherSubscribersSql,
  },
  {
    key: 'publisher_exposures',
    owner: 'publisher',
    dataType: 'EXPOSURES',
    name: 'Publisher ad exposures',
    description: 'Ad exposures of 12 campaigns to subscribers over 30 days, by channel.',
    columns: [
      emailSha256Column,
      attribute('campaign_id', 'STRING'),
      attribute('exposure_at', 'TIMESTAMP'),
      attribute('channel', 'STRING'),
    ],
    rowCount: (layout) => layout.exposureCount,
    selectSql: selectPublisherExposuresSql,
  },
  {
    key: 'advertiser_conversions',
    owner: 'advertiser',
    dataType: 'CONVERSIONS',
    name: 'Advertiser conversions',
    description: 'Purchases by advertiser customers over the same 30 days, with order value.',
    columns: [
      emailSha256Column,
      attribute('conversion_at', 'TIMESTAMP'),
      attribute('conversion_value', 'DOUBLE'),
    ],
    rowCount: (layout) => layout.conversionCount,
    selectSql: selectAdvertiserConversionsSql,
  },
  {
    key: 'retailer_members',
    owner: 'retailer',
    dataType: 'CRM',
    name: 'Retailer loyalty members',
    description: 'Loyalty members of the retailer with home store region and membership tier.',
    columns: [
      emailSha256Column,
      attribute('store_region', 'STRING'),
      attribute('loyalty_tier', 'STRING'),
    ],
    rowCount: (layout) => layout.memberCount,
    selectSql: selectRetailerMembersSql,
  },
];
