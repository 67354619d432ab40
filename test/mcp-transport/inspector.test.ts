import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import { startMcpTestServer, type McpTestServer } from './support/mcp-test-server.ts';

const run = promisify(execFile);
const cli = path.resolve('bin/cleanroom.js');
/** The Inspector's own entry point (`mcp-inspector`), installed as a devDependency; it needs no network. */
const inspector = path.resolve('node_modules/@modelcontextprotocol/inspector/cli/build/cli.js');

interface InspectorOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the Inspector CLI asynchronously, so the server in this process keeps serving requests. */
async function runInspector(
  args: string[],
  env: Record<string, string>,
): Promise<InspectorOutcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [inspector, '--cli', ...args], {
      env: { ...(process.env as Record<string, string>), ...env },
      timeout: 60_000,
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      exitCode: failed.code ?? -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

describe('MCP Inspector CLI 0.15', () => {
  let server: McpTestServer;
  let stdioEnvironment: Record<string, string>;

  beforeAll(async () => {
    server = await startMcpTestServer();
    stdioEnvironment = {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: server.platform.schema,
      DATA_DIR: server.platform.dataDir,
      CLEANROOM_API_KEY: server.platform.keys.advertiser,
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await server?.close();
  });

  it('lists the tools over stdio', async () => {
    const outcome = await runInspector(
      [process.execPath, cli, 'mcp', '--no-worker', '--method', 'tools/list'],
      stdioEnvironment,
    );

    expect(outcome.exitCode).toBe(0);
    const { tools } = JSON.parse(outcome.stdout) as { tools: { name: string }[] };
    expect(tools.map((tool) => tool.name)).toContain('list_clean_rooms');
  });

  it('calls list_clean_rooms over stdio', async () => {
    const outcome = await runInspector(
      [
        process.execPath,
        cli,
        'mcp',
        '--no-worker',
        '--method',
        'tools/call',
        '--tool-name',
        'list_clean_rooms',
      ],
      stdioEnvironment,
    );

    expect(outcome.exitCode).toBe(0);
    const result = JSON.parse(outcome.stdout) as {
      structuredContent: { items: { name: string }[] };
    };
    expect(result.structuredContent.items.map((room) => room.name)).toContain(
      'Northwind x Daily Ledger Holiday Campaign',
    );
  });

  // Inspector CLI 0.15 has no option to send request headers over HTTP, so it
  // reaches the running server through `cleanroom mcp --remote`, which adds
  // the API key. Without it, /mcp responds with 401.
  it('calls a tool on the running server through the stdio relay', async () => {
    const outcome = await runInspector(
      [
        process.execPath,
        cli,
        'mcp',
        '--remote',
        server.url.href,
        '--method',
        'tools/call',
        '--tool-name',
        'list_clean_rooms',
      ],
      { CLEANROOM_API_KEY: server.platform.keys.advertiser, LOG_LEVEL: 'warn', DATABASE_URL: '' },
    );

    expect(outcome.exitCode).toBe(0);
    const result = JSON.parse(outcome.stdout) as {
      structuredContent: { items: { name: string }[] };
    };
    expect(result.structuredContent.items.map((room) => room.name)).toContain(
      'Northwind x Daily Ledger Holiday Campaign',
    );
  });

  it('reaches the HTTP endpoint and is asked for credentials', async () => {
    const outcome = await runInspector(
      [server.url.href, '--transport', 'http', '--method', 'tools/list'],
      {},
    );

    expect(outcome.exitCode).toBe(1);
    expect(outcome.stderr).toContain('Failed to connect to MCP server');
    expect(outcome.stderr).toContain('UNAUTHENTICATED');
  });
});
