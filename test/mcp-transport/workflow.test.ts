import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from '../support/api-helpers.ts';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import {
  connectClient,
  startMcpTestServer,
  type McpTestServer,
} from './support/mcp-test-server.ts';

const HOLIDAY_ROOM_NAME = 'Northwind x Daily Ledger Holiday Campaign';

interface RestResult {
  columns: { name: string }[];
  rows: unknown[][];
  rowCount: number;
  suppressedRowCount: number;
}

/**
 * Walks the advertiser's workflow through a connected SDK client: finds the
 * room by name, starts an overlap while receiving progress, and reads the
 * result. Returns the run id and the result the tools returned.
 */
async function runOverlapWorkflow(client: Client) {
  const found = await client.callTool({
    name: 'get_clean_room',
    arguments: { cleanRoom: HOLIDAY_ROOM_NAME },
  });
  expect(found.isError).toBeFalsy();
  const room = (found.structuredContent as { cleanRoom: { id: string; displayId: string } })
    .cleanRoom;
  expect(room.displayId).toBe('CR-000001');

  const progress: Progress[] = [];
  const started = await client.callTool(
    {
      name: 'start_run',
      arguments: {
        cleanRoomId: room.id,
        questionId: 'audience_overlap',
        parameters: { attribute: 'age_band' },
        waitSeconds: 30,
      },
    },
    undefined,
    { onprogress: (update) => progress.push(update) },
  );
  expect(started.isError).toBeFalsy();
  const run = (started.structuredContent as { run: { id: string; status: string } }).run;
  expect(run.status).toBe('COMPLETED');
  // The SDK client handles a notification a microtask after reading it but a
  // response at once, so the final 100% notification, written just before the
  // result, can arrive after its handler is gone. Earlier steps always arrive.
  const values = progress.map((update) => update.progress);
  expect(values.length).toBeGreaterThan(1);
  expect(values).toEqual([...values].sort((left, right) => left - right));

  const results = await client.callTool({
    name: 'get_results',
    arguments: { runId: run.id, limit: 50 },
  });
  expect(results.isError).toBeFalsy();
  return { runId: run.id, result: results.structuredContent as unknown as RestResult };
}

function expectSameResult(mcp: RestResult, rest: RestResult): void {
  expect(mcp.columns).toEqual(rest.columns);
  expect(mcp.rows).toEqual(rest.rows);
  expect(mcp.rowCount).toBe(rest.rowCount);
  expect(mcp.suppressedRowCount).toBe(rest.suppressedRowCount);
}

describe('MCP workflow over Streamable HTTP', () => {
  let server: McpTestServer;

  beforeAll(async () => {
    server = await startMcpTestServer();
    await server.platform.platform.startWorker();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('finds the room, runs an overlap with progress, and matches REST', async () => {
    const { client } = await connectClient(server.url, server.platform.keys.advertiser);
    try {
      const { runId, result } = await runOverlapWorkflow(client);

      const rest = await getJson<RestResult>(
        server.platform.app,
        server.platform.keys.advertiser,
        `/api/v1/runs/${runId}/results?limit=50`,
      );
      expectSameResult(result, rest.body);
    } finally {
      await client.close();
    }
  });
});

describe('MCP workflow over stdio', () => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres', startWorker: false });
  });

  afterAll(async () => {
    await test?.close();
  });

  it('finds the room, runs an overlap with progress, and matches REST', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.resolve('bin/cleanroom.js'), 'mcp'],
      env: {
        ...(process.env as Record<string, string>),
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: test.schema,
        DATA_DIR: test.dataDir,
        CLEANROOM_API_KEY: test.keys.advertiser,
        LOG_LEVEL: 'warn',
      },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'stdio-workflow-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { runId, result } = await runOverlapWorkflow(client);

      const rest = await getJson<RestResult>(
        test.app,
        test.keys.advertiser,
        `/api/v1/runs/${runId}/results?limit=50`,
      );
      expectSameResult(result, rest.body);
    } finally {
      await client.close();
    }
  });
});
