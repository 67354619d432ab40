import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { findFreePort } from './support/local-authorization-server.ts';
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

  it('honours notifications/cancelled for a waiting start_run', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cli, 'mcp', '--no-worker'],
      env: mcpEnvironment(test),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'stdio-cancellation-test', version: '1.0.0' });
    await client.connect(transport);
    const received: JSONRPCMessage[] = [];
    const onmessage = transport.onmessage;
    transport.onmessage = (message) => {
      received.push(message);
      onmessage?.(message);
    };
    const cancel = new AbortController();
    let abortedAt: number | undefined;
    const progress: number[] = [];

    // The platform runs no worker, so without the cancellation the call would wait 30 s.
    const call = client.callTool(
      {
        name: 'start_run',
        arguments: {
          cleanRoomId: 'CR-000001',
          questionId: 'audience_overlap',
          parameters: { attribute: 'region' },
          idempotencyKey: 'cancel-over-stdio',
          waitSeconds: 30,
        },
      },
      undefined,
      {
        signal: cancel.signal,
        onprogress: ({ progress: value }) => {
          progress.push(value);
          abortedAt ??= Date.now();
          cancel.abort('the user stopped waiting');
        },
      },
    );
    let rejectedAt = 0;
    const rejected = expect(call.finally(() => (rejectedAt = Date.now()))).rejects.toThrow(
      'the user stopped waiting',
    );
    await rejected;
    const rejectedAfterMs = rejectedAt - abortedAt!;
    await vi.waitFor(() => expect(stderr).toContain('tool call cancelled by the client'), {
      timeout: 5_000,
    });
    const listed = await client.callTool({
      name: 'list_runs',
      arguments: { cleanRoomId: 'CR-000001' },
    });
    const runId = (listed.structuredContent as { items: { id: string; name: string }[] }).items[0]!
      .id;
    const after = await client.callTool({ name: 'get_run', arguments: { runId } });
    await client.close();

    expect(rejectedAfterMs).toBeLessThan(1_000);
    // The client drops the call's progress handler on cancel, and the server sends no more.
    expect(progress).toEqual([0]);
    expect(after.isError).toBeFalsy();
    expect((after.structuredContent as { run: { status: string } }).run.status).toBe('QUEUED');
    const responses = received.filter((message) => 'id' in message && !('method' in message));
    // Responses to list_runs and get_run only, none to the cancelled start_run.
    expect(responses).toHaveLength(2);
    const logLevels = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { level: number }).level);
    expect(logLevels.filter((level) => level >= 50)).toEqual([]);
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

  it('answers a line that is not JSON with a parse error', async () => {
    const child = spawn(process.execPath, [cli, 'mcp', '--no-worker'], {
      env: mcpEnvironment(test),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout });

    child.stdin.write('this is not json\n');
    const [line] = (await once(lines, 'line')) as [string];
    child.stdin.end();
    await once(child, 'exit');

    expect(JSON.parse(line)).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: expect.stringContaining('Parse error') },
    });
  });

  it('exits 0 when stdin ends with REDIS_URL set', async () => {
    // Open Redis connections of the run event bus would keep the process alive.
    const child = spawn(process.execPath, [cli, 'mcp', '--no-worker'], {
      env: mcpEnvironment(test, {
        REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout });
    child.stdin.write(`${JSON.stringify(initializeRequest)}\n`);
    await once(lines, 'line');
    await vi.waitFor(() => expect(stderr).toContain('run events subscribed'), { timeout: 5_000 });

    child.stdin.end();
    const [exitCode] = (await once(child, 'exit')) as [number | null];

    expect(exitCode).toBe(0);
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

  it('names the unreachable PostgreSQL server without its password', async () => {
    const port = await findFreePort();
    const result = spawnSync(process.execPath, [cli, 'mcp', '--no-worker'], {
      env: mcpEnvironment(test, {
        DATABASE_URL: `postgres://app:s3cret@127.0.0.1:${port}/cleanroom`,
      }),
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      `Error: DATABASE_UNAVAILABLE: Cannot connect to PostgreSQL at 127.0.0.1:${port} (connection refused); start the database or fix DATABASE_URL, or unset DATABASE_URL to use the embedded database under DATA_DIR.`,
    );
  });

  it('rejects a missing embedded database', () => {
    const dataDir = path.join(os.tmpdir(), `cleanroom-missing-${process.pid}-${Date.now()}`);
    const result = spawnSync(process.execPath, [cli, 'mcp', '--no-worker'], {
      env: mcpEnvironment(test, { DATABASE_URL: '', DATA_DIR: dataDir, PORT: '45123' }),
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`No database at ${path.join(dataDir, 'pglite')}`);
    expect(result.stderr).toContain('--remote http://127.0.0.1:45123/mcp');
    expect(existsSync(dataDir)).toBe(false);
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

  it('answers initialize with the rejected key', () => {
    const result = spawnSync(process.execPath, [cli, 'mcp', '--no-worker'], {
      env: mcpEnvironment(test, { CLEANROOM_API_KEY: `crk_${'B'.repeat(32)}` }),
      input: `${JSON.stringify(initializeRequest)}\n`,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const response = JSON.parse(result.stdout) as {
      id: unknown;
      error?: { code: number; message: string };
    };

    expect(result.status).toBe(1);
    expect(response.id).toBe(initializeRequest.id);
    expect(response.error?.code).toBe(-32000);
    expect(response.error?.message).toMatch(/^cleanroom mcp could not start: API_KEY_INVALID: /);
    expect(response.error?.message).toContain('Pass a valid key with --api-key');
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
