import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunPreview } from '../../src/domain/runs/run-preview.ts';
import { getJson, sendJson } from '../support/api-helpers.ts';
import {
  DEMO_END_DATE,
  startTestPlatform,
  type Backend,
  type TestPlatform,
} from '../support/test-platform.ts';
import { connectMcpClient, type McpTestClient } from '../mcp/mcp-client.ts';

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const PREVIEW_URL = '/api/v1/cleanrooms/CR-000001/runs/preview';

describe.each<Backend>(['postgres', 'pglite'])('POST runs/preview on %s', (backend) => {
  let test: TestPlatform;
  let advertiser: McpTestClient;

  beforeAll(async () => {
    test = await startTestPlatform({ backend, startWorker: false });
    advertiser = await connectMcpClient(test, test.keys.advertiser);
  });

  afterAll(async () => {
    await advertiser?.close();
    await test?.close();
  });

  it('checks a valid request and starts no run', async () => {
    const response = await sendJson<RunPreview>(
      test.app,
      test.keys.advertiser,
      'POST',
      PREVIEW_URL,
      {
        questionId: 'audience_overlap',
        name: 'Ignored by the preview',
        parameters: { attribute: 'age_band' },
      },
    );

    expect(response.status).toBe(200);
    expect(response.body.cleanRoom.displayId).toBe('CR-000001');
    expect(response.body.question.template).toBe('audience_overlap');
    expect(response.body.parameters).toEqual({ attribute: 'age_band' });
    expect(response.body.datasets.map((dataset) => dataset.macro).sort()).toEqual([
      '@my_audience',
      '@partner_audience',
    ]);
    expect(response.body.privacy.crowdSize).toBe(50);
    expect(response.body.estimate.dimension).toBe('attribute_value');
    expect(response.body.estimate.mayPass.count).toBeGreaterThan(0);

    const runs = await getJson<{ items: unknown[] }>(
      test.app,
      test.keys.advertiser,
      '/api/v1/runs',
    );
    expect(runs.body.items).toEqual([]);
  });

  it('rejects an invalid parameter naming the value', async () => {
    const response = await sendJson<ErrorBody>(
      test.app,
      test.keys.advertiser,
      'POST',
      PREVIEW_URL,
      {
        questionId: 'audience_overlap',
        parameters: { attribute: 'email_sha256' },
      },
    );

    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('PARAMETER_INVALID');
    expect(response.body.error.message).toContain('"email_sha256"');
    expect(response.body.error.details?.parameter).toBe('attribute');
    expect(response.body.error.details?.received).toBe('email_sha256');
  });

  it('rejects an unknown body field', async () => {
    const response = await sendJson<ErrorBody>(
      test.app,
      test.keys.advertiser,
      'POST',
      PREVIEW_URL,
      {
        questionId: 'audience_overlap',
        parameters: { attribute: 'age_band' },
        dryRun: true,
      },
    );

    expect(response.status).toBe(400);
  });

  it("returns 404 for another organization's room", async () => {
    const response = await sendJson<ErrorBody>(test.app, test.keys.retailer, 'POST', PREVIEW_URL, {
      questionId: 'audience_overlap',
      parameters: { attribute: 'age_band' },
    });

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('CLEAN_ROOM_NOT_FOUND');
  });

  it('estimates the same suppressed rows as preview_run', async () => {
    // Subscription dates split the partner audience into many small segments, so some are suppressed.
    const request = {
      questionId: 'segment_sizing',
      parameters: { attribute: 'subscribed_at' },
    };
    const route = await sendJson<RunPreview>(
      test.app,
      test.keys.advertiser,
      'POST',
      PREVIEW_URL,
      request,
    );
    const tool = await advertiser.call('preview_run', { cleanRoomId: 'CR-000001', ...request });

    expect(route.status).toBe(200);
    expect(tool.result.isError).toBeFalsy();
    expect(route.body.estimate.willBeSuppressed.count).toBeGreaterThan(0);
    expect(route.body.estimate).toEqual(tool.data.estimate);
    expect(route.body.parameters).toEqual(tool.data.parameters);
  });

  it('estimates the same rows as preview_run for a date range', async () => {
    const request = {
      questionId: 'reach_frequency',
      parameters: { date_start: DEMO_END_DATE, date_end: DEMO_END_DATE },
    };
    const route = await sendJson<RunPreview>(
      test.app,
      test.keys.advertiser,
      'POST',
      PREVIEW_URL,
      request,
    );
    const tool = await advertiser.call('preview_run', { cleanRoomId: 'CR-000001', ...request });

    expect(route.status).toBe(200);
    expect(route.body.estimate).toEqual(tool.data.estimate);
  });

  it('is described in the OpenAPI document', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    const paths = (response.json() as { paths: Record<string, Record<string, unknown>> }).paths;

    expect(paths['/api/v1/cleanrooms/{cleanRoomId}/runs/preview']?.post).toBeDefined();
  });
});
