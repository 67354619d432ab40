import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { connectMcpClient, type McpTestClient } from './mcp-client.ts';

/** Without a worker every run stays QUEUED, so the test decides what happens to it. */
describe('MCP runs that stay queued', () => {
  let test: TestPlatform;
  let advertiser: McpTestClient;
  let publisher: McpTestClient;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite', startWorker: false });
    advertiser = await connectMcpClient(test, test.keys.advertiser);
    publisher = await connectMcpClient(test, test.keys.publisher);
  });

  afterAll(async () => {
    await advertiser?.close();
    await publisher?.close();
    await test?.close();
  });

  async function startQueuedRun(client: McpTestClient, waitSeconds = 0) {
    const { result, data } = await client.call('start_run', {
      cleanRoomId: 'CR-000001',
      questionId: 'audience_overlap',
      parameters: { attribute: 'region' },
      waitSeconds,
    });
    expect(result.isError).toBeFalsy();
    return data as { run: { id: string; status: string }; finished: boolean; hint: string };
  }

  it('returns the handle with a hint when the wait runs out', async () => {
    const startedAt = Date.now();
    const started = await startQueuedRun(advertiser, 1);

    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    expect(started.finished).toBe(false);
    expect(started.run.status).toBe('QUEUED');
    expect(started.hint).toContain('get_run');
  });

  it('cancels a queued run', async () => {
    const started = await startQueuedRun(advertiser);

    const cancelled = await advertiser.call('cancel_run', { runId: started.run.id });
    const run = await advertiser.call('get_run', { runId: started.run.id });

    expect(cancelled.result.isError).toBeFalsy();
    expect((cancelled.data.run as { status: string }).status).toBe('CANCELLED');
    expect((run.data.run as { status: string }).status).toBe('CANCELLED');
    expect(run.data.hint).toContain('cancelled');
  });

  it('rejects cancelling a run twice', async () => {
    const started = await startQueuedRun(advertiser);
    await advertiser.call('cancel_run', { runId: started.run.id });

    const again = await advertiser.call('cancel_run', { runId: started.run.id });

    expect(again.result.isError).toBe(true);
    expect(again.text).toContain('RUN_NOT_CANCELLABLE');
    expect(again.text).toContain('CANCELLED');
  });

  it("rejects an analyst cancelling the owner's run", async () => {
    const started = await startQueuedRun(advertiser);

    const attempt = await publisher.call('cancel_run', { runId: started.run.id });

    expect(attempt.result.isError).toBe(true);
    expect(attempt.text).toContain('FORBIDDEN');
    const run = await advertiser.call('get_run', { runId: started.run.id });
    expect((run.data.run as { status: string }).status).toBe('QUEUED');
  });

  it('reports results of an unfinished run as not ready', async () => {
    const started = await startQueuedRun(advertiser);

    const results = await advertiser.call('get_results', { runId: started.run.id });

    expect(results.result.isError).toBe(true);
    expect(results.text).toContain('RESULT_NOT_READY');
  });
});
