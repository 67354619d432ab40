import { randomUUID } from 'node:crypto';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { connectMcpClient, type McpTestClient } from './mcp-client.ts';

const HOLIDAY_ROOM_NAME = 'Northwind x Daily Ledger Holiday Campaign';

interface RoomData {
  match: string;
  cleanRoom: { id: string; displayId: string; name: string; myRole: string } | null;
}
interface RunData {
  run: { id: string; status: string; progress: number };
  created: boolean;
  finished: boolean;
  hint: string;
}
interface ResultData {
  runId: string;
  columns: { name: string }[];
  rows: unknown[][];
  rowCount: number;
  returnedRowCount: number;
  truncated: boolean;
  suppressedRowCount: number;
  nextCursor: string | null;
}

describe('MCP workflow of an advertiser', () => {
  let test: TestPlatform;
  let mcp: McpTestClient;
  let roomId: string;
  let runId: string;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres' });
    mcp = await connectMcpClient(test, test.keys.advertiser);
  });

  afterAll(async () => {
    await mcp?.close();
    await test?.close();
  });

  it('finds the clean room by its name', async () => {
    const { result, data, text } = await mcp.call('get_clean_room', {
      cleanRoom: HOLIDAY_ROOM_NAME.toLowerCase(),
    });

    expect(result.isError).toBeFalsy();
    const room = data as unknown as RoomData;
    expect(room.match).toBe('FOUND');
    expect(room.cleanRoom?.displayId).toBe('CR-000001');
    expect(room.cleanRoom?.myRole).toBe('OWNER');
    expect(text).toContain('CR-000001');
    roomId = room.cleanRoom!.id;
  });

  it('lists the partners with their roles', async () => {
    const { data } = await mcp.call('list_partners', { cleanRoomId: roomId });

    const partners = data.items as { name: string; role: string }[];
    expect(partners.map((partner) => [partner.name, partner.role]).sort()).toEqual([
      ['Daily Ledger Media', 'ANALYST'],
      ['Northwind Outfitters', 'OWNER'],
    ]);
  });

  it('lists attached datasets and the caller’s own', async () => {
    const { data } = await mcp.call('list_datasets', {
      cleanRoomId: 'CR-000001',
      includeOwn: true,
    });

    const attached = data.attached as { name: string; ownerOrganization: { name: string } }[];
    const own = data.own as { items: { ownerOrganization: { name: string } }[] };
    expect(attached.map((dataset) => dataset.name).sort()).toEqual([
      'Advertiser CRM customers',
      'Advertiser conversions',
      'Publisher ad exposures',
      'Publisher subscribers',
    ]);
    expect(own.items.length).toBeGreaterThan(0);
    expect(
      own.items.every((dataset) => dataset.ownerOrganization.name === 'Northwind Outfitters'),
    ).toBe(true);
  });

  it('lists the questions of the room', async () => {
    const { data } = await mcp.call('list_questions', { cleanRoomId: roomId });

    const templates = (data.items as { template: string }[]).map((question) => question.template);
    expect(templates.sort()).toEqual([
      'attribution',
      'audience_overlap',
      'reach_frequency',
      'segment_sizing',
    ]);
  });

  it('resolves COLUMN parameters against the datasets the room binds', async () => {
    const { data } = await mcp.call('get_question', {
      questionId: 'audience_overlap',
      cleanRoomId: roomId,
    });

    const question = data.question as {
      parameters: { name: string; type: string; allowedValues: string[] | null }[];
    };
    const attribute = question.parameters.find((parameter) => parameter.name === 'attribute');
    expect(attribute?.type).toBe('COLUMN');
    expect(attribute?.allowedValues?.sort()).toEqual([
      'age_band',
      'interest',
      'region',
      'subscribed_at',
    ]);
    const bindings = data.datasetBindings as { macro: string; defaultDatasetId: string | null }[];
    expect(bindings.map((binding) => binding.macro)).toEqual(['@my_audience', '@partner_audience']);
    expect(bindings.every((binding) => binding.defaultDatasetId !== null)).toBe(true);
  });

  it('previews a valid run without starting one', async () => {
    const before = await getJson<{ items: unknown[] }>(
      test.app,
      test.keys.advertiser,
      '/api/v1/runs',
    );
    const { result, data } = await mcp.call('preview_run', {
      cleanRoomId: roomId,
      questionId: 'audience_overlap',
      parameters: { attribute: 'age_band' },
    });

    expect(result.isError).toBeFalsy();
    const estimate = data.estimate as { dimension: string; mayPass: { count: number } };
    expect(estimate.dimension).toBe('attribute_value');
    expect(estimate.mayPass.count).toBeGreaterThan(0);
    const after = await getJson<{ items: unknown[] }>(
      test.app,
      test.keys.advertiser,
      '/api/v1/runs',
    );
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it('starts a run, waits for it and reports progress', async () => {
    const progress: Progress[] = [];
    const idempotencyKey = randomUUID();
    const { result, data } = await mcp.call(
      'start_run',
      {
        cleanRoomId: roomId,
        questionId: 'audience_overlap',
        parameters: { attribute: 'age_band' },
        idempotencyKey,
        waitSeconds: 30,
      },
      { onprogress: (update) => progress.push(update) },
    );

    expect(result.isError).toBeFalsy();
    const started = data as unknown as RunData;
    expect(started.created).toBe(true);
    expect(started.finished).toBe(true);
    expect(started.run.status).toBe('COMPLETED');
    expect(started.hint).toContain('get_results');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ progress: 100, total: 100 });
    const values = progress.map((update) => update.progress);
    expect(values).toEqual([...values].sort((left, right) => left - right));
    expect(new Set(values).size).toBe(values.length);
    runId = started.run.id;

    const repeated = await mcp.call('start_run', {
      cleanRoomId: roomId,
      questionId: 'audience_overlap',
      parameters: { attribute: 'age_band' },
      idempotencyKey,
    });
    expect((repeated.data as unknown as RunData).created).toBe(false);
    expect((repeated.data as unknown as RunData).run.id).toBe(runId);
  });

  it('gets the completed run', async () => {
    const { data } = await mcp.call('get_run', { runId });

    expect((data.run as { status: string }).status).toBe('COMPLETED');
    expect(data.hint).toContain('get_results');
  });

  it('returns the same result as the REST API', async () => {
    const { data, text } = await mcp.call('get_results', { runId, limit: 50 });
    const rest = await getJson<Record<string, unknown>>(
      test.app,
      test.keys.advertiser,
      `/api/v1/runs/${runId}/results?limit=50`,
    );

    expect(rest.status).toBe(200);
    const { returnedRowCount, truncated, ...page } = data as unknown as ResultData &
      Record<string, unknown>;
    expect(page).toEqual(rest.body);
    expect(returnedRowCount).toBe((rest.body.rows as unknown[]).length);
    expect(truncated).toBe(false);
    expect(text).toContain('overlap_count');
  });

  it('lists the run among the room’s runs', async () => {
    const { data } = await mcp.call('list_runs', { cleanRoomId: roomId, status: 'COMPLETED' });

    expect((data.items as { id: string }[]).map((run) => run.id)).toContain(runId);
  });
});
