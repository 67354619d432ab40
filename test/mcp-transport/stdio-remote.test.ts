import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from './support/local-authorization-server.ts';
import {
  initializeRequest,
  startMcpTestServer,
  type McpTestServer,
} from './support/mcp-test-server.ts';

const cli = path.resolve('bin/cleanroom.js');

interface RelayRun {
  response: { id: unknown; error?: { code: number; message: string } };
  exitCode: number | null;
  stderr: string;
}

/** Sends initialize through `cleanroom mcp --remote URL` and returns the first stdout message and the exit code. */
async function initializeThroughRelay(url: string, apiKey: string): Promise<RelayRun> {
  const child = spawn(process.execPath, [cli, 'mcp', '--remote', url], {
    env: { ...(process.env as Record<string, string>), CLEANROOM_API_KEY: apiKey },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  const firstLine = once(lines, 'line') as Promise<[string]>;
  child.stdin.write(`${JSON.stringify(initializeRequest)}\n`);

  const [line] = await firstLine;
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  return { response: JSON.parse(line) as RelayRun['response'], exitCode, stderr };
}

describe('cleanroom mcp --remote', () => {
  let server: McpTestServer;

  beforeAll(async () => {
    server = await startMcpTestServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers initialize with the rejected key and exits 1', async () => {
    const run = await initializeThroughRelay(server.url.href, `crk_${'D'.repeat(32)}`);

    expect(run.response.id).toBe(initializeRequest.id);
    expect(run.response.error?.message).toContain('rejected the API key. API_KEY_INVALID: ');
    expect(run.response.error?.message).toMatch(/Pass a valid key with --api-key .*\.$/);
    expect(run.response.error?.message).not.toMatch(/[.;,:][.;,:]/);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('MCP relay stopped');
  });

  it('answers initialize with the unreachable URL and exits 1', async () => {
    const url = `http://127.0.0.1:${await findFreePort()}/mcp`;
    const run = await initializeThroughRelay(url, server.platform.keys.advertiser);

    expect(run.response.id).toBe(initializeRequest.id);
    expect(run.response.error?.message).toBe(
      `could not reach ${url}: connection refused; start the server or fix --remote.`,
    );
    expect(run.exitCode).toBe(1);
  });
});

/** Starts `cleanroom mcp --remote URL` and connects the SDK client to it over stdio. */
async function connectThroughRelay(url: URL, apiKey: string) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli, 'mcp', '--remote', url.href],
    env: { ...(process.env as Record<string, string>), CLEANROOM_API_KEY: apiKey },
    stderr: 'pipe',
  });
  const stderr: string[] = [];
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const client = new Client({ name: 'relay-test', version: '1.0.0' });
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  return { client, errors, stderr: () => stderr.join('') };
}

describe('cleanroom mcp --remote relaying a session', () => {
  let server: McpTestServer;

  beforeAll(async () => {
    server = await startMcpTestServer();
    await server.platform.platform.startWorker();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('holds messages sent before the session id', async () => {
    const child = spawn(process.execPath, [cli, 'mcp', '--remote', server.url.href], {
      env: {
        ...(process.env as Record<string, string>),
        CLEANROOM_API_KEY: server.platform.keys.advertiser,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const lines = createInterface({ input: child.stdout });
    const responses: { id?: unknown; result?: unknown; error?: unknown }[] = [];
    const listed = new Promise<void>((resolve) =>
      lines.on('line', (line) => {
        responses.push(JSON.parse(line) as (typeof responses)[number]);
        if (responses.length === 2) resolve();
      }),
    );

    // Written at once, while the relay still starts, as MCP clients do.
    const messages = [
      initializeRequest,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
    ];
    child.stdin.write(messages.map((message) => `${JSON.stringify(message)}\n`).join(''));
    await listed;
    child.stdin.end();
    await once(child, 'exit');

    expect(responses.map((response) => response.id)).toEqual([1, 2]);
    expect(responses[1]?.error).toBeUndefined();
    expect(responses[1]?.result).toMatchObject({ tools: expect.any(Array) });
    expect(stderr).not.toContain('not relayed');
  });

  it('delivers every progress notification before the result', async () => {
    const { client, errors } = await connectThroughRelay(
      server.url,
      server.platform.keys.advertiser,
    );
    const progress: number[] = [];
    try {
      const started = await client.callTool(
        {
          name: 'start_run',
          arguments: {
            cleanRoomId: 'CR-000001',
            questionId: 'audience_overlap',
            parameters: { attribute: 'age_band' },
            waitSeconds: 30,
          },
        },
        undefined,
        { onprogress: (update) => progress.push(update.progress) },
      );

      expect(started.isError).toBeFalsy();
      expect(progress.at(-1)).toBe(100);
      expect(progress).toEqual([...progress].sort((left, right) => left - right));
      expect(errors).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('says to restart the relay when the server lost the session', async () => {
    const { client, stderr } = await connectThroughRelay(
      server.url,
      server.platform.keys.advertiser,
    );
    // A first call makes sure the relay has delivered notifications/initialized.
    await client.listTools();
    await server.platform.app.mcp.sessions!.closeAll('test restart');

    const failure = await client.listTools().catch((error: unknown) => error as Error);
    await client.close();

    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('MCP_SESSION_NOT_FOUND');
    expect((failure as Error).message).toContain('the relay has stopped. Restart it');
    expect((failure as Error).message).not.toContain('with an initialize request');
    expect(stderr()).toContain('MCP relay stopped');
  });
});
