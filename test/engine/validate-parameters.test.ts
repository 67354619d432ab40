import { describe, expect, it } from 'vitest';
import type { DatasetColumn } from '../../src/domain/datasets/dataset.ts';
import { isAppError, type AppError } from '../../src/domain/errors/app-error.ts';
import { findQuestionDefinition } from '../../src/domain/questions/catalog.ts';
import { checkDatasetFitsMacro } from '../../src/domain/questions/check-dataset-fits-macro.ts';
import type { QuestionDefinition } from '../../src/domain/questions/question-definition.ts';
import { validateParameters } from '../../src/domain/questions/validate-parameters.ts';

function definition(template: string): QuestionDefinition {
  const found = findQuestionDefinition(template);
  if (!found) throw new Error(`Test setup: no question ${template} in the catalog.`);
  return found;
}

const column = (name: string, fields: Partial<DatasetColumn> = {}): DatasetColumn => ({
  name,
  dataType: 'STRING',
  identifierType: null,
  isPii: false,
  ...fields,
});

const partnerColumns = [
  column('email_sha256', { identifierType: 'EMAIL_SHA256' }),
  column('age_band'),
  column('region'),
  column('interest'),
  column('first_name', { isPii: true }),
];
const audienceMacros = new Map([
  ['@my_audience', [column('email_sha256', { identifierType: 'EMAIL_SHA256' })]],
  ['@partner_audience', partnerColumns],
]);

function rejection(validate: () => unknown): AppError {
  try {
    validate();
  } catch (error) {
    expect(isAppError(error)).toBe(true);
    return error as AppError;
  }
  throw new Error('Expected validation to throw.');
}

describe('validateParameters', () => {
  const attribution = definition('attribution');
  const dates = { date_start: '2024-01-01', date_end: '2024-01-31' };

  it('fills defaults', () => {
    expect(validateParameters(attribution, dates, new Map())).toEqual({
      model: 'last_touch',
      lookback_days: 30,
      ...dates,
    });
  });

  it('coerces an integer sent as text', () => {
    expect(
      validateParameters(attribution, { ...dates, lookback_days: '30' }, new Map()).lookback_days,
    ).toBe(30);
  });

  it('treats null as an absent optional parameter', () => {
    expect(validateParameters(attribution, { ...dates, model: null }, new Map()).model).toBe(
      'last_touch',
    );
    expect(
      validateParameters(definition('reach_frequency'), { ...dates, campaign_ids: null }, new Map())
        .campaign_ids,
    ).toBeNull();
  });

  it('coerces a boolean sent as text', () => {
    const withFlag: QuestionDefinition = {
      ...attribution,
      parameters: [
        {
          name: 'include_returns',
          displayName: 'Include returns',
          description: 'Whether returned orders count.',
          type: 'BOOLEAN',
          required: false,
          default: false,
          allowedValues: null,
          minimum: null,
          maximum: null,
          macro: null,
        },
      ],
    };

    expect(validateParameters(withFlag, { include_returns: 'true' }, new Map())).toEqual({
      include_returns: true,
    });
    expect(validateParameters(withFlag, {}, new Map())).toEqual({ include_returns: false });
    expect(
      rejection(() => validateParameters(withFlag, { include_returns: 'yes' }, new Map())).details
        ?.allowedValues,
    ).toEqual(['true', 'false']);
  });

  it('names the field, type and value of a wrong type', () => {
    const error = rejection(() =>
      validateParameters(attribution, { ...dates, lookback_days: 'thirty' }, new Map()),
    );

    expect(error.code).toBe('PARAMETER_INVALID');
    expect(error.message).toBe(
      'Parameter "lookback_days" must be an integer from 1 to 90; received "thirty".',
    );
    expect(error.details).toEqual({
      parameter: 'lookback_days',
      expected: 'an integer from 1 to 90',
      received: 'thirty',
      allowedValues: null,
    });
  });

  it('rejects an integer out of range', () => {
    expect(
      rejection(() => validateParameters(attribution, { ...dates, lookback_days: 91 }, new Map()))
        .details?.parameter,
    ).toBe('lookback_days');
  });

  it('lists allowed values of an enum', () => {
    const error = rejection(() =>
      validateParameters(attribution, { ...dates, model: 'time_decay' }, new Map()),
    );

    expect(error.message).toBe(
      'Parameter "model" must be one of first_touch, last_touch, linear; received "time_decay".',
    );
    expect(error.details?.allowedValues).toEqual(['first_touch', 'last_touch', 'linear']);
  });

  it('rejects an unknown parameter', () => {
    const error = rejection(() =>
      validateParameters(attribution, { ...dates, window: 7 }, new Map()),
    );

    expect(error.message).toContain('Unknown parameter "window"');
    expect(error.details?.allowedValues).toEqual([
      'model',
      'lookback_days',
      'date_start',
      'date_end',
    ]);
  });

  it('requires required parameters', () => {
    const error = rejection(() =>
      validateParameters(attribution, { date_start: '2024-01-01' }, new Map()),
    );

    expect(error.message).toBe('Parameter "date_end" is required; expected a date as YYYY-MM-DD.');
  });

  it('lists attribute columns for a missing column', () => {
    const error = rejection(() =>
      validateParameters(definition('audience_overlap'), {}, audienceMacros),
    );

    expect(error.message).toBe(
      'Parameter "attribute" is required; expected one of age_band, region, interest.',
    );
    expect(error.details?.allowedValues).toEqual(['age_band', 'region', 'interest']);
  });

  it('rejects an impossible date', () => {
    expect(
      rejection(() =>
        validateParameters(attribution, { ...dates, date_end: '2024-02-30' }, new Map()),
      ).details?.parameter,
    ).toBe('date_end');
  });

  it('rejects a start after the end', () => {
    const error = rejection(() =>
      validateParameters(
        attribution,
        { date_start: '2024-02-01', date_end: '2024-01-01' },
        new Map(),
      ),
    );

    expect(error.details?.parameter).toBe('date_start');
  });

  it('offers only attribute columns for a column parameter', () => {
    const error = rejection(() =>
      validateParameters(
        definition('audience_overlap'),
        { attribute: 'email_sha256' },
        audienceMacros,
      ),
    );

    expect(error.message).toBe(
      'Parameter "attribute" must be one of age_band, region, interest; received "email_sha256".',
    );
    expect(error.details?.allowedValues).toEqual(['age_band', 'region', 'interest']);
  });

  it('accepts an attribute column', () => {
    expect(
      validateParameters(definition('audience_overlap'), { attribute: 'region' }, audienceMacros),
    ).toEqual({ attribute: 'region' });
  });

  it('validates string lists', () => {
    const sizing = definition('segment_sizing');

    expect(
      validateParameters(
        sizing,
        { attribute: 'region', values: ['north', 'north', 'south'] },
        audienceMacros,
      ).values,
    ).toEqual(['north', 'south']);
    expect(
      validateParameters(sizing, { attribute: 'region', values: [] }, audienceMacros).values,
    ).toBeNull();
    expect(
      rejection(() =>
        validateParameters(sizing, { attribute: 'region', values: 'north' }, audienceMacros),
      ).details?.parameter,
    ).toBe('values');
  });

  describe('list value with another separator', () => {
    const reach = definition('reach_frequency');
    const dates = { date_start: '2026-11-06', date_end: '2026-12-05' };
    const cases = [
      { separator: ';', value: 'CMP-001; CMP-002', named: '";"' },
      { separator: '|', value: 'CMP-001|CMP-002', named: '"|"' },
      { separator: '\t', value: 'CMP-001\tCMP-002', named: 'a tab' },
      { separator: '\n', value: 'CMP-001\nCMP-002', named: 'a line break' },
    ];

    it.each(cases)('rejects $named', ({ separator, value, named }) => {
      const error = rejection(() =>
        validateParameters(reach, { ...dates, campaign_ids: ['CMP-003', value] }, new Map()),
      );

      expect(error.code).toBe('PARAMETER_SEPARATOR_INVALID');
      expect(error.status).toBe(422);
      expect(error.message).toContain(`value ${JSON.stringify(value)} contains ${named}`);
      expect(error.message).toContain('enter CMP-001, CMP-002');
      expect(error.details).toMatchObject({
        parameter: 'campaign_ids',
        received: value,
        separator,
        suggestedValues: ['CMP-001', 'CMP-002'],
      });
    });

    it('accepts values without one', () => {
      const validated = validateParameters(
        reach,
        { ...dates, campaign_ids: ['CMP-001', 'CMP 002', 'a-b/c'] },
        new Map(),
      );

      expect(validated.campaign_ids).toEqual(['CMP-001', 'CMP 002', 'a-b/c']);
    });
  });
});

describe('checkDatasetFitsMacro', () => {
  const exposuresMacro = definition('reach_frequency').datasetMacros[0];
  if (!exposuresMacro) throw new Error('Test setup: reach_frequency has no macros.');

  it('accepts a fitting dataset', () => {
    const columns = [
      column('email_sha256', { identifierType: 'EMAIL_SHA256' }),
      column('campaign_id'),
      column('exposure_at', { dataType: 'TIMESTAMP' }),
    ];

    expect(() =>
      checkDatasetFitsMacro(exposuresMacro, { name: 'Exposures', data_type: 'EXPOSURES', columns }),
    ).not.toThrow();
  });

  it('names missing columns', () => {
    const columns = [
      column('email_sha256', { identifierType: 'EMAIL_SHA256' }),
      column('campaign_id'),
    ];
    const error = rejection(() =>
      checkDatasetFitsMacro(exposuresMacro, { name: 'Exposures', data_type: 'EXPOSURES', columns }),
    );

    expect(error.code).toBe('DATASET_UNSUITABLE');
    expect(error.message).toContain('exposure_at (missing)');
  });

  it('rejects a wrong data type', () => {
    const error = rejection(() =>
      checkDatasetFitsMacro(exposuresMacro, { name: 'CRM', data_type: 'CRM', columns: [] }),
    );

    expect(error.code).toBe('DATASET_UNSUITABLE');
    expect(error.message).toContain('EXPOSURES');
  });

  it('rejects a dataset without a matching identifier', () => {
    const columns = [
      column('customer_id', { identifierType: 'CUSTOMER_ID' }),
      column('campaign_id'),
      column('exposure_at', { dataType: 'TIMESTAMP' }),
    ];
    const error = rejection(() =>
      checkDatasetFitsMacro(exposuresMacro, { data_type: 'EXPOSURES', columns }),
    );

    expect(error.message).toContain('CUSTOMER_ID only');
  });
});
