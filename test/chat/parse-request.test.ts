import { describe, expect, it } from 'vitest';
import { readDayRange } from '../../src/adapters/llm/offline/date-phrases.ts';
import { parseRequest } from '../../src/adapters/llm/offline/parse-request.ts';

const today = new Date('2026-11-30T12:00:00Z');

describe('readDayRange', () => {
  it.each([
    ['over the last 30 days', { start: '2026-11-01', end: '2026-11-30' }],
    ['past 7 days', { start: '2026-11-24', end: '2026-11-30' }],
    ['last 2 weeks', { start: '2026-11-17', end: '2026-11-30' }],
    ['last week', { start: '2026-11-24', end: '2026-11-30' }],
    ['last month', { start: '2026-10-01', end: '2026-10-31' }],
    ['in November 2026', { start: '2026-11-01', end: '2026-11-30' }],
    ['in december', { start: '2025-12-01', end: '2025-12-31' }],
    ['in May 2026', { start: '2026-05-01', end: '2026-05-31' }],
    ['from 2026-11-03 to 2026-11-09', { start: '2026-11-03', end: '2026-11-09' }],
    ['yesterday', { start: '2026-11-29', end: '2026-11-29' }],
  ])('reads "%s"', (phrase, expected) => {
    expect(readDayRange(phrase, today)).toEqual(expected);
  });

  it('takes "may" alone as the verb', () => {
    expect(readDayRange('you may list the rooms', today)).toBeNull();
  });
});

describe('parseRequest', () => {
  it('reads the overlap question with partner kind and attribute', () => {
    const request = parseRequest(
      'what is our overlap with the publisher by age band over the last 30 days?',
      today,
    );

    expect(request).toMatchObject({
      kind: 'run_question',
      template: 'audience_overlap',
      attribute: 'age_band',
      room: { partnerKind: 'PUBLISHER' },
      dates: { start: '2026-11-01', end: '2026-11-30' },
    });
  });

  it.each([
    ['what is our overlap with the advertiser by customer since?', 'customer_since'],
    ['segment sizing by region since november 2026', 'region'],
    ['segment sizing by region in CR-000001', 'region'],
  ])('reads the attribute of "%s"', (sentence, attribute) => {
    expect(parseRequest(sentence, today)).toMatchObject({ attribute });
  });

  it('gives dated questions the last 30 days by default', () => {
    expect(parseRequest('reach and frequency', today)).toMatchObject({
      dates: { start: '2026-11-01', end: '2026-11-30' },
    });
    expect(parseRequest('segment sizing by region', today)).toMatchObject({ dates: null });
  });

  it('reads attribution settings', () => {
    const request = parseRequest(
      'attribution in November 2026 with a 14-day lookback, first touch',
      today,
    );

    expect(request).toMatchObject({
      kind: 'run_question',
      template: 'attribution',
      model: 'first_touch',
      lookbackDays: 14,
    });
  });

  it.each([
    ['status', 'status'],
    ['show me the results', 'results'],
    ['cancel the run', 'cancel'],
    ['list my clean rooms', 'list'],
    ['which datasets are attached to CR-000002?', 'list'],
    ['tell me a joke', 'help'],
  ])('reads "%s" as %s', (sentence, kind) => {
    expect(parseRequest(sentence, today).kind).toBe(kind);
  });

  it('takes a run id from the sentence', () => {
    const runId = '0b9b2a52-8f1e-4c55-9e43-5f1f0c8f6a10';

    expect(parseRequest(`status of ${runId}`, today)).toEqual({ kind: 'status', runId });
  });
});
