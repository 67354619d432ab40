import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuestionRunResult } from '../../src/domain/runs/question-run.ts';
import type { RunPreview } from '../../src/domain/runs/run-preview.ts';
import { getJson, sendJson, waitForRun, type RunView } from '../support/api-helpers.ts';
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

const ROOM_URL = '/api/v1/cleanrooms/CR-000001';
// The demo publisher's exposures cover the 30 days up to DEMO_END_DATE.
const DATES = { date_start: '2026-11-01', date_end: DEMO_END_DATE };

function reachRequest(campaignIds: string[]) {
  return {
    questionId: 'reach_frequency',
    parameters: { ...DATES, campaign_ids: campaignIds },
  };
}

describe.each<Backend>(['postgres', 'pglite'])('unmatched list values on %s', (backend) => {
  let test: TestPlatform;
  let advertiser: McpTestClient;

  beforeAll(async () => {
    test = await startTestPlatform({ backend });
    advertiser = await connectMcpClient(test, test.keys.advertiser);
  });

  afterAll(async () => {
    await advertiser?.close();
    await test?.close();
  });

  async function preview(key: string, request: Record<string, unknown>) {
    return sendJson<RunPreview>(test.app, key, 'POST', `${ROOM_URL}/runs/preview`, request);
  }

  async function runToResult(key: string, request: Record<string, unknown>) {
    const started = await sendJson<RunView>(test.app, key, 'POST', `${ROOM_URL}/runs`, request);
    expect(started.status).toBe(202);
    const finished = await waitForRun(test.app, key, started.body.id);
    expect(finished.status).toBe('COMPLETED');
    const results = await getJson<QuestionRunResult>(
      test.app,
      key,
      `/api/v1/runs/${started.body.id}/results`,
    );
    return results.body;
  }

  describe('separator check', () => {
    it('rejects a semicolon over REST', async () => {
      const response = await sendJson<ErrorBody>(
        test.app,
        test.keys.advertiser,
        'POST',
        `${ROOM_URL}/runs/preview`,
        reachRequest(['CMP-001; CMP-002']),
      );

      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('PARAMETER_SEPARATOR_INVALID');
      expect(response.body.error.message).toContain('"CMP-001; CMP-002"');
      expect(response.body.error.message).toContain('enter CMP-001, CMP-002');
      expect(response.body.error.details?.parameter).toBe('campaign_ids');
    });

    it('rejects a pipe in a run submission', async () => {
      const response = await sendJson<ErrorBody>(
        test.app,
        test.keys.advertiser,
        'POST',
        `${ROOM_URL}/runs`,
        {
          questionId: 'segment_sizing',
          parameters: { attribute: 'age_band', values: ['35-44|45-54'] },
        },
      );

      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('PARAMETER_SEPARATOR_INVALID');
      expect(response.body.error.details?.suggestedValues).toEqual(['35-44', '45-54']);
    });

    it('rejects a semicolon over MCP', async () => {
      const call = await advertiser.call('preview_run', {
        cleanRoomId: 'CR-000001',
        ...reachRequest(['CMP-001;CMP-002']),
      });

      expect(call.result.isError).toBe(true);
      expect(call.text).toContain('PARAMETER_SEPARATOR_INVALID');
      expect(call.text).toContain('enter CMP-001, CMP-002');
    });
  });

  describe('preview', () => {
    it('hides which partner values have no rows', async () => {
      const response = await preview(
        test.keys.advertiser,
        reachRequest(['CMP-001', 'CMP-999', 'not a campaign']),
      );

      expect(response.status).toBe(200);
      const unmatched = response.body.estimate.unmatchedValues;
      expect(unmatched?.reason).toBe('NONE_MAY_PASS');
      expect(unmatched?.parameter).toBe('campaign_ids');
      expect(unmatched?.values).toEqual(['CMP-999', 'not a campaign']);
      expect(unmatched?.message).toContain('Values "CMP-999", "not a campaign" of Campaigns');
      expect(unmatched?.message).toContain("partner's @exposures dataset");
      expect(response.body.estimate.mayPass.values).toEqual(['CMP-001']);
    });

    it('names own values without rows', async () => {
      const response = await preview(test.keys.publisher, reachRequest(['CMP-001', 'CMP-999']));

      expect(response.status).toBe(200);
      const unmatched = response.body.estimate.unmatchedValues;
      expect(unmatched?.reason).toBe('NO_ROWS');
      expect(unmatched?.values).toEqual(['CMP-999']);
      expect(unmatched?.message).toContain(
        'Value "CMP-999" of Campaigns matches no rows of your @exposures dataset',
      );
    });

    it('reports nothing when every value matches', async () => {
      const response = await preview(test.keys.publisher, reachRequest(['CMP-001', 'CMP-002']));

      expect(response.body.estimate.filterParameter).toBe('campaign_ids');
      expect(response.body.estimate.unmatchedValues).toBeNull();
    });

    it('reports nothing without a list', async () => {
      const response = await preview(test.keys.advertiser, {
        questionId: 'reach_frequency',
        parameters: DATES,
      });

      expect(response.body.estimate.unmatchedValues).toBeNull();
    });

    it('covers partner segment values', async () => {
      const response = await preview(test.keys.advertiser, {
        questionId: 'segment_sizing',
        parameters: { attribute: 'age_band', values: ['zzz', '35-44'] },
      });

      expect(response.status).toBe(200);
      expect(response.body.estimate.unmatchedValues?.values).toEqual(['zzz']);
      expect(response.body.estimate.unmatchedValues?.message).toContain('of Segment values');
    });

    it('adds the message to the preview_run text', async () => {
      const call = await advertiser.call('preview_run', {
        cleanRoomId: 'CR-000001',
        ...reachRequest(['CMP-999']),
      });

      expect(call.result.isError).toBeFalsy();
      expect(call.text).toContain('Value "CMP-999" of Campaigns cannot reach the crowd size');
    });
  });

  describe('run result', () => {
    it('names partner values with no released rows', async () => {
      const result = await runToResult(
        test.keys.advertiser,
        reachRequest(['CMP-001', 'not a campaign']),
      );

      expect(result.rowCount).toBeGreaterThan(0);
      expect(result.unmatchedValues?.reason).toBe('NONE_RELEASED');
      expect(result.unmatchedValues?.values).toEqual(['not a campaign']);
      expect(result.unmatchedValues?.message).toContain('released no rows');
    });

    it('names own values without rows', async () => {
      const result = await runToResult(test.keys.publisher, reachRequest(['CMP-001', 'CMP-999']));

      expect(result.unmatchedValues?.reason).toBe('NO_ROWS');
      expect(result.unmatchedValues?.values).toEqual(['CMP-999']);
    });

    it('stores none when every value matches', async () => {
      const result = await runToResult(test.keys.advertiser, reachRequest(['CMP-001']));

      expect(result.rowCount).toBeGreaterThan(0);
      expect(result.unmatchedValues).toBeNull();
    });

    it('adds the message to the get_results text', async () => {
      const started = await sendJson<RunView>(
        test.app,
        test.keys.advertiser,
        'POST',
        `${ROOM_URL}/runs`,
        reachRequest(['CMP-998']),
      );
      await waitForRun(test.app, test.keys.advertiser, started.body.id);
      const call = await advertiser.call('get_results', { runId: started.body.id });

      expect(call.text).toContain('The result has no rows');
      expect(call.text).toContain('Value "CMP-998" of Campaigns released no rows');
    });
  });
});
