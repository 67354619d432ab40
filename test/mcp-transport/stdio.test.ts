import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { initializeRequest } from './support/mcp-test-server.ts';

const cli = path.resolve('bin/cleanroom.js');

/** Environment of a `cleanroom mcp` process on the test platform's PostgreSQL schema. */
function mcpEnvironment(test: TestPlatform, overrides: Record<string, string> = {}) {
  return {
    ...(process.env as Record<string, string>),
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: test.schema,
    DATA_DIR: test.dataDir,
    CLEANROOM_API_KEY: test.keys.advertiser,
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

describe('cleanroom mcp over stdio', () => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres', startWorker: false });
  });

  afterAll(async () => {
    await test?.close();
  });

  it('initializes, lists tools and calls one with the SDK client', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cli, 'mcp', '--no-worker'],
      env: mcpEnvironment(test),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'stdio-transport-test', version: '1.0.0' });

    await client.connect(transport);
    const { tools } = await client.listTools();
    const result = await client.callTool({ name: 'list_clean_rooms', arguments: {} });
    await client.close();

    expect(tools.map((tool) => tool.name)).toContain('list_clean_rooms');
    expect(result.structuredContent).toMatchObject({
      items: expect.arrayContaining([
        expect.objectContaining({
          displayId: 'CR-000001',
          name: 'Northwind x Daily Ledger Holiday Campaign',
        }),
      ]),
    });
    expect(stderr).toContain('MCP server ready on stdio');
  });

  it('writes only protocol messages to stdout and exits 0 when stdin ends', async () => {
    const child = spawn(process.execPath, [cli, 'mcp', '--no-worker'], {
      env: mcpEnvironment(test),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout });
    const stdout: string[] = [];
    lines.on('line', (line) => stdout.push(line));

    child.stdin.write(`${JSON.stringify(initializeRequest)}\n`);
    await once(lines, 'line');
    child.stdin.end();
    const [exitCode] = (await once(child, 'exit')) as [number | null];

    expect(exitCode).toBe(0);
    expect(stdout).toHaveLength(1);
    expect(JSON.parse(stdout[0]!)).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      result: expect.any(Object),
    });
  });

  it('exits 0 on SIGINT', async () => {
    const child = spawn(process.execPath, [cli, 'mcp', '--no-worker'], {
      env: mcpEnvironment(test),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout });
    child.stdin.write(`${JSON.stringify(initializeRequest)}\n`);
    await once(lines, 'line');

    child.kill('SIGINT');
    const [exitCode] = (await once(child, 'exit')) as [number | null];

    expect(exitCode).toBe(0);
  });

  it('asks for an API key when none is given', () => {
    const result = spawnSync(process.execPath, [cli, 'mcp'], {
      env: mcpEnvironment(test, { CLEANROOM_API_KEY: '' }),
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--api-key');
  });

  it('rejects an unknown API key', () => {
    const result = spawnSync(process.execPath, [cli, 'mcp', '--no-worker'], {
      env: mcpEnvironment(test, { CLEANROOM_API_KEY: `crk_${'B'.repeat(32)}` }),
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('API_KEY_INVALID');
  });
});

describe('cleanroom mcp beside a server on embedded PGlite', () => {
  let running: TestPlatform;

  beforeAll(async () => {
    running = await startTestPlatform({ backend: 'pglite', seed: 'none', startWorker: false });
  });

  afterAll(async () => {
    await running?.close();
  });

  it('explains that the data directory is in use and what to do', () => {
    const result = spawnSync(process.execPath, [cli, 'mcp'], {
      env: {
        ...(process.env as Record<string, string>),
        DATABASE_URL: '',
        DATA_DIR: running.dataDir,
        CLEANROOM_API_KEY: `crk_${'C'.repeat(32)}`,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('cannot run beside `cleanroom start` on the same DATA_DIR');
    expect(result.stderr).toContain('DATABASE_URL');
    expect(result.stderr).toContain('/mcp');
  });
});
