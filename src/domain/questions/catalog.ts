import type { IdentifierType } from '../datasets/dataset.ts';
import type {
  DatasetMacro,
  QuestionDefinition,
  QuestionOutputColumn,
  QuestionParameter,
} from './question-definition.ts';

/** Identifiers two organizations can match on; a customer ID means nothing outside its owner. */
const SHARED_IDENTIFIERS: IdentifierType[] = ['EMAIL_SHA256', 'PHONE_SHA256', 'RAMPID', 'MAID'];
/** Exposures and conversions may both come from one advertiser, so its customer ID can join them. */
const ANY_IDENTIFIER: IdentifierType[] = [...SHARED_IDENTIFIERS, 'CUSTOMER_ID'];

/** Maximum values a STRING_LIST parameter takes, to keep filters readable and queries small. */
export const MAX_LIST_VALUES = 100;

const myAudience: DatasetMacro = {
  macro: '@my_audience',
  description: 'Your customers or audience (CRM or audience dataset) with a hashed identifier.',
  dataTypes: ['CRM', 'AUDIENCE'],
  identifierTypes: SHARED_IDENTIFIERS,
  requiredColumns: [],
  suppliedBy: 'RUNNER',
};

const partnerAudience: DatasetMacro = {
  macro: '@partner_audience',
  description: "The partner's audience with the attributes to break the overlap down by.",
  dataTypes: ['CRM', 'AUDIENCE'],
  identifierTypes: SHARED_IDENTIFIERS,
  requiredColumns: [],
  suppliedBy: 'PARTNER',
};

function exposures(identifierTypes: IdentifierType[]): DatasetMacro {
  return {
    macro: '@exposures',
    description: 'Ad exposures: who saw which campaign when.',
    dataTypes: ['EXPOSURES'],
    identifierTypes,
    requiredColumns: [
      { name: 'campaign_id', dataType: 'STRING' },
      { name: 'exposure_at', dataType: 'TIMESTAMP' },
    ],
    suppliedBy: 'ANY',
  };
}

const conversions: DatasetMacro = {
  macro: '@conversions',
  description: 'Conversions such as purchases, with their time and value.',
  dataTypes: ['CONVERSIONS'],
  identifierTypes: ANY_IDENTIFIER,
  requiredColumns: [
    { name: 'conversion_at', dataType: 'TIMESTAMP' },
    { name: 'conversion_value', dataType: 'DOUBLE' },
  ],
  suppliedBy: 'ANY',
};

function parameter(
  fields: Pick<QuestionParameter, 'name' | 'displayName' | 'description' | 'type'> &
    Partial<QuestionParameter>,
): QuestionParameter {
  return {
    required: true,
    default: null,
    allowedValues: null,
    minimum: null,
    maximum: null,
    macro: null,
    ...fields,
  };
}

function dateParameter(name: 'date_start' | 'date_end', subject: string): QuestionParameter {
  const edge = name === 'date_start' ? 'First' : 'Last';
  return parameter({
    name,
    displayName: `${edge} day`,
    description: `${edge} day of ${subject}, inclusive, as YYYY-MM-DD (UTC).`,
    type: 'DATE',
  });
}

const dimension = (name: string): QuestionOutputColumn => ({
  name,
  dataType: 'STRING',
  kind: 'DIMENSION',
  isIdentity: false,
  noise: false,
});

const measure = (
  name: string,
  dataType: QuestionOutputColumn['dataType'],
  flags: { isIdentity?: boolean; noise?: boolean } = {},
): QuestionOutputColumn => ({
  name,
  dataType,
  kind: 'MEASURE',
  isIdentity: flags.isIdentity ?? false,
  noise: flags.noise ?? false,
});

const audienceOverlap: QuestionDefinition = {
  template: 'audience_overlap',
  version: 2,
  name: 'Audience overlap and index',
  description:
    "How many of your customers the partner also reaches, per value of a partner attribute. overlap_rate is the share of the partner's segment that is in your audience; index compares the segment's share of the overlap with its share of the partner's whole audience (100 = average).",
  category: 'Audience Insights',
  questionType: 'ANALYTICAL',
  datasetMacros: [myAudience, partnerAudience],
  parameters: [
    parameter({
      name: 'attribute',
      displayName: 'Partner attribute',
      description:
        'Column of the partner audience to break the overlap down by, such as age_band or region.',
      type: 'COLUMN',
      macro: '@partner_audience',
    }),
  ],
  outputColumns: [
    dimension('attribute_value'),
    measure('overlap_count', 'INTEGER', { isIdentity: true, noise: true }),
    measure('partner_count', 'INTEGER', { noise: true }),
    measure('overlap_rate', 'DOUBLE'),
    measure('index', 'DOUBLE'),
  ],
};

const reachFrequency: QuestionDefinition = {
  template: 'reach_frequency',
  version: 2,
  name: 'Reach and frequency',
  description:
    "Distinct people of your audience reached per campaign and how often they saw it: frequency buckets 1, 2, 3, 4 and 5+, plus an ALL row per campaign. The ALL row sums the campaign's published buckets, so it leaves out buckets suppressed under the crowd size and is withheld when all of them are.",
  category: 'Media Measurement',
  questionType: 'ANALYTICAL',
  datasetMacros: [exposures(SHARED_IDENTIFIERS), myAudience],
  parameters: [
    dateParameter('date_start', 'the exposures to count'),
    dateParameter('date_end', 'the exposures to count'),
    parameter({
      name: 'campaign_ids',
      displayName: 'Campaigns',
      description:
        'Campaign IDs to report, separated by commas (for example CMP-001, CMP-002); leave empty for every campaign.',
      type: 'STRING_LIST',
      required: false,
    }),
  ],
  outputColumns: [
    dimension('campaign_id'),
    dimension('frequency_bucket'),
    measure('reach', 'INTEGER', { isIdentity: true, noise: true }),
    measure('impressions', 'INTEGER', { noise: true }),
  ],
};

const attribution: QuestionDefinition = {
  template: 'attribution',
  version: 1,
  name: 'Conversion attribution',
  description:
    'Conversions and their value credited to campaigns seen within the lookback window before each conversion: all credit to the first or the last exposure, or shared equally among all of them (linear).',
  category: 'Attribution',
  questionType: 'ANALYTICAL',
  datasetMacros: [exposures(ANY_IDENTIFIER), conversions],
  parameters: [
    parameter({
      name: 'model',
      displayName: 'Attribution model',
      description: 'first_touch, last_touch or linear.',
      type: 'ENUM',
      required: false,
      default: 'last_touch',
      allowedValues: ['first_touch', 'last_touch', 'linear'],
    }),
    parameter({
      name: 'lookback_days',
      displayName: 'Lookback window (days)',
      description: 'Days before a conversion in which an exposure can get credit.',
      type: 'INTEGER',
      required: false,
      default: 30,
      minimum: 1,
      maximum: 90,
    }),
    dateParameter('date_start', 'the conversions to attribute'),
    dateParameter('date_end', 'the conversions to attribute'),
  ],
  outputColumns: [
    dimension('campaign_id'),
    measure('converters', 'INTEGER', { isIdentity: true, noise: true }),
    measure('attributed_conversions', 'DOUBLE', { noise: true }),
    // NOTE: the noise scale is in count units, so it hides little of a currency sum; k-min on converters still applies.
    measure('attributed_value', 'DOUBLE', { noise: true }),
  ],
};

const segmentSizing: QuestionDefinition = {
  template: 'segment_sizing',
  version: 2,
  name: 'Segment sizing',
  description:
    'How many of your customers match each value of a partner attribute, with a TOTAL row that sums the published segments. The TOTAL leaves out segments suppressed under the crowd size and is withheld when all of them are. It counts a customer once per matching value, so it counts people only when each person has one value of the attribute.',
  category: 'Audience Insights',
  questionType: 'ANALYTICAL',
  datasetMacros: [
    myAudience,
    {
      ...partnerAudience,
      description: "The partner's audience whose attribute defines the segments.",
    },
  ],
  parameters: [
    parameter({
      name: 'attribute',
      displayName: 'Partner attribute',
      description: 'Column of the partner audience that defines the segments.',
      type: 'COLUMN',
      macro: '@partner_audience',
    }),
    parameter({
      name: 'values',
      displayName: 'Segment values',
      description: `Values of the attribute to size, separated by commas (at most ${MAX_LIST_VALUES}, for example 25-34, 35-44); leave empty for every value.`,
      type: 'STRING_LIST',
      required: false,
    }),
  ],
  outputColumns: [
    dimension('row_type'),
    dimension('attribute_value'),
    measure('matched_count', 'INTEGER', { isIdentity: true, noise: true }),
  ],
};

/** The approved questions every clean room offers. */
export const questionCatalog: readonly QuestionDefinition[] = [
  audienceOverlap,
  reachFrequency,
  attribution,
  segmentSizing,
];

export function findQuestionDefinition(template: string): QuestionDefinition | undefined {
  return questionCatalog.find((definition) => definition.template === template);
}
