import type { DemoDatasetKey, DemoDatasetOwner } from '../../seed/generate-demo-datasets.ts';

/** Organizations of the demo workspace, keyed by the role their data plays. */
export const demoOrganizations: Record<
  DemoDatasetOwner,
  { name: string; kind: string; adminEmail: string; adminName: string }
> = {
  advertiser: {
    name: 'Northwind Outfitters',
    kind: 'ADVERTISER',
    adminEmail: 'analyst@northwind.example',
    adminName: 'Northwind Analyst',
  },
  publisher: {
    name: 'Daily Ledger Media',
    kind: 'PUBLISHER',
    adminEmail: 'analyst@dailyledger.example',
    adminName: 'Daily Ledger Analyst',
  },
  retailer: {
    name: 'Cornerstone Market',
    kind: 'RETAILER',
    adminEmail: 'analyst@cornerstone.example',
    adminName: 'Cornerstone Analyst',
  },
};

export interface DemoCleanRoomPlan {
  name: string;
  description: string;
  owner: DemoDatasetOwner;
  partners: { organization: DemoDatasetOwner; role: 'ANALYST' | 'VIEWER' }[];
  datasets: DemoDatasetKey[];
}

export const demoCleanRooms: DemoCleanRoomPlan[] = [
  {
    name: 'Northwind x Daily Ledger Holiday Campaign',
    description:
      'Advertiser CRM and conversions matched with the publisher audience and ad exposures.',
    owner: 'advertiser',
    partners: [{ organization: 'publisher', role: 'ANALYST' }],
    datasets: [
      'advertiser_crm',
      'advertiser_conversions',
      'publisher_subscribers',
      'publisher_exposures',
    ],
  },
  {
    name: 'Cornerstone Retail Media Insights',
    description: 'Retailer loyalty members matched with advertiser customers.',
    owner: 'retailer',
    partners: [{ organization: 'advertiser', role: 'ANALYST' }],
    datasets: ['retailer_members', 'advertiser_crm'],
  },
];

/** Rows generated per seed size, as a fraction of the full demo (1M customers, 2M subscribers, 10M exposures). */
export const seedScales = { full: 1, small: 0.01 } as const;
