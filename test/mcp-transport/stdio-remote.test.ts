import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
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
