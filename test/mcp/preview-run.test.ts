import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson } from '../support/api-helpers.ts';
import { DEMO_END_DATE, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { connectMcpClient, type McpTestClient } from './mcp-client.ts';

/** One day of exposures: small enough that some campaigns reach few people. */
const ONE_DAY = { date_start: DEMO_END_DATE, date_end: DEMO_END_DATE };

interface Estimate {
  mayPass: { count: number; values: (string | null)[] };
  willBeSuppressed: { count: number; values: (string | null)[] | null };
}

/** Paths of every number in a JSON value, such as "estimate.mayPass.count". */
function numberPaths(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) =>
    numberPaths(child, path === '' ? key : `${path}.${key}`),
  );
}

/** Distinct people per campaign in the exposures of one day, counted outside the platform. */
async function campaignReach(exposuresParquet: string): Promise<Map<string, number>> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(`
      SELECT CAST(campaign_id AS VARCHAR) AS campaign_id, count(DISTINCT email_sha256)::INTEGER AS people
        FROM read_parquet('${exposuresParquet}')
       WHERE exposure_at >= DATE '${DEMO_END_DATE}' AND exposure_at < DATE '${DEMO_END_DATE}' + INTERVAL 1 DAY
       GROUP BY 1`);
    return new Map(
      reader.getRowObjectsJson().map((row) => [String(row.campaign_id), Number(row.people)]),
    );
  } finally {
    instance.closeSync();
  }
}

describe('preview_run', () => {
  let test: TestPlatform;
  let advertiser: McpTestClient;
  let publisher: McpTestClient;
  let reach: Map<string, number>;
  let crowdSize: number;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres' });
    advertiser = await connectMcpClient(test, test.keys.advertiser);
    publisher = await connectMcpClient(test, test.keys.publisher);
    const [exposures] = await test.platform.context.db.query<{ storage_location: string }>(
      "SELECT storage_location FROM datasets WHERE data_type = 'EXPOSURES'",
    );
    reach = await campaignReach(exposures!.storage_location);

    // A crowd size between the campaigns' reach splits them into both verdicts.
    const sizes = [...reach.values()].sort((left, right) => left - right);
    crowdSize = sizes[Math.floor(sizes.length / 2)]!;
    expect(crowdSize).toBeGreaterThan(50);
    const updated = await sendJson(
      test.app,
      test.keys.advertiser,
      'PATCH',
      '/api/v1/cleanrooms/CR-000001',
      {
        cleanRoomParameters: { CROWD_SIZE: crowdSize },
      },
    );
    expect(updated.status).toBe(200);
  });

  afterAll(async () => {
    await advertiser?.close();
    await publisher?.close();
    await test?.close();
  });

  function campaignsWhere(include: (people: number) => boolean): string[] {
    return [...reach]
      .filter(([, people]) => include(people))
      .map(([campaign]) => campaign)
      .sort();
  }

  it("withholds suppressed segments of the partner's data and every count", async () => {
    const { result, data, text } = await advertiser.call('preview_run', {
      cleanRoomId: 'CR-000001',
      questionId: 'reach_frequency',
      parameters: ONE_DAY,
    });

    expect(result.isError).toBeFalsy();
    const estimate = data.estimate as Estimate;
    const small = campaignsWhere((people) => people < crowdSize);
    expect(small.length).toBeGreaterThan(0);
    expect(estimate.willBeSuppressed).toEqual({ count: small.length, values: null });
    expect(estimate.mayPass.values).toEqual(campaignsWhere((people) => people >= crowdSize));
    expect(numberPaths(data).sort()).toEqual([
      'estimate.mayPass.count',
      'estimate.willBeSuppressed.count',
      'privacy.crowdSize',
      'privacy.noise.scale',
    ]);
    const prose = text.replace(/\d{4}-\d{2}-\d{2}|CMP-\d+|CR-\d+/g, '');
    for (const campaign of small) {
      expect(prose).not.toMatch(new RegExp(`\\b${reach.get(campaign)}\\b`));
      expect(text).not.toContain(campaign);
    }
  });

  it('names suppressed segments of the caller’s own data', async () => {
    const { data } = await publisher.call('preview_run', {
      cleanRoomId: 'CR-000001',
      questionId: 'reach_frequency',
      parameters: ONE_DAY,
    });

    const estimate = data.estimate as Estimate;
    expect(estimate.willBeSuppressed.values).toEqual(
      campaignsWhere((people) => people < crowdSize),
    );
  });

  it('agrees with the rows a run then suppresses', async () => {
    const preview = await advertiser.call('preview_run', {
      cleanRoomId: 'CR-000001',
      questionId: 'reach_frequency',
      parameters: ONE_DAY,
    });
    const started = await advertiser.call('start_run', {
      cleanRoomId: 'CR-000001',
      questionId: 'reach_frequency',
      parameters: ONE_DAY,
      waitSeconds: 30,
    });
    const runId = (started.data.run as { id: string }).id;
    const results = await advertiser.call('get_results', { runId, limit: 200 });

    const released = new Set((results.data.rows as unknown[][]).map((row) => row[0]));
    const mayPass = (preview.data.estimate as Estimate).mayPass.values;
    for (const campaign of released) expect(mayPass).toContain(campaign);
    for (const campaign of campaignsWhere((people) => people < crowdSize)) {
      expect(released.has(campaign)).toBe(false);
    }
  });

  it('rejects what start_run would reject', async () => {
    const preview = await advertiser.call('preview_run', {
      cleanRoomId: 'CR-000001',
      questionId: 'reach_frequency',
      parameters: { date_start: DEMO_END_DATE, date_end: '2026-11-01' },
    });
    const start = await advertiser.call('start_run', {
      cleanRoomId: 'CR-000001',
      questionId: 'reach_frequency',
      parameters: { date_start: DEMO_END_DATE, date_end: '2026-11-01' },
    });

    expect(preview.result.isError).toBe(true);
    expect(preview.text).toBe(start.text);
    expect(preview.text).toContain('date_start');
  });
});
