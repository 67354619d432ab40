import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuestionRun } from '../../src/domain/runs/question-run.ts';
import { getJson, sendJson } from '../support/api-helpers.ts';
import {
  DEMO_END_DATE,
  startTestPlatform,
  type Backend,
  type TestPlatform,
} from '../support/test-platform.ts';

const reachRun = {
  questionId: 'reach_frequency',
  name: 'Holiday reach',
  parameters: { date_start: '2026-11-01', date_end: DEMO_END_DATE, campaign_ids: ['CMP-001'] },
};

describe.each<Backend>(['postgres', 'pglite'])('run view on %s', (backend) => {
  let test: TestPlatform;
  let run: QuestionRun;

  beforeAll(async () => {
    test = await startTestPlatform({ backend, startWorker: false });
    const started = await sendJson<QuestionRun>(
      test.app,
      test.keys.advertiser,
      'POST',
      '/api/v1/cleanrooms/CR-000001/runs',
      reachRun,
    );
    run = started.body;
  });

  afterAll(async () => {
    await test?.close();
  });

  it('names the clean room and question', async () => {
    const response = await getJson<QuestionRun>(
      test.app,
      test.keys.advertiser,
      `/api/v1/runs/${run.id}`,
    );

    expect(response.status).toBe(200);
    expect(response.body.cleanRoom?.displayId).toBe('CR-000001');
    expect(response.body.cleanRoom?.id).toBe(response.body.cleanRoomId);
    expect(response.body.cleanRoom?.name.length).toBeGreaterThan(0);
    expect(response.body.questionName).toBe('Reach and frequency');
  });

  it('labels the parameters', async () => {
    const response = await getJson<QuestionRun>(
      test.app,
      test.keys.advertiser,
      `/api/v1/runs/${run.id}`,
    );

    expect(response.body.parameters.campaign_ids).toEqual(['CMP-001']);
    expect(response.body.parameterLabels).toEqual({
      date_start: 'First day',
      date_end: 'Last day',
      campaign_ids: 'Campaigns',
    });
  });

  it('names the bound datasets and owners', async () => {
    const response = await getJson<QuestionRun>(
      test.app,
      test.keys.advertiser,
      `/api/v1/runs/${run.id}`,
    );

    const datasets = response.body.boundDatasets;
    expect(datasets.map((dataset) => dataset.macro)).toEqual(['@exposures', '@my_audience']);
    expect(datasets[0]?.name).toBe('Publisher ad exposures');
    expect(datasets[0]?.ownerOrganization?.name).toMatch(/^Daily Ledger/);
    expect(datasets[0]?.datasetId).toBe(response.body.datasets['@exposures']);
    expect(datasets[1]?.ownerOrganization?.name).toMatch(/^Northwind/);
  });

  it('carries the same fields in the list', async () => {
    const response = await getJson<{ items: QuestionRun[] }>(
      test.app,
      test.keys.advertiser,
      '/api/v1/runs',
    );

    const listed = response.body.items.find((item) => item.id === run.id);
    expect(listed?.cleanRoom?.displayId).toBe('CR-000001');
    expect(listed?.parameterLabels.campaign_ids).toBe('Campaigns');
    expect(listed?.boundDatasets).toHaveLength(2);
  });
});
