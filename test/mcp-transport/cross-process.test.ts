import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  ResourceUpdatedNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisRunEventBus } from '../../src/adapters/pubsub/redis-run-event-bus.ts';
import type { RunEvent } from '../../src/adapters/pubsub/run-event-bus.ts';
import { connectMcpClient, type McpTestClient } from '../mcp/mcp-client.ts';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import {
  connectClient,
  startMcpTestServer,
  type ConnectedClient,
  type McpTestServer,
} from './support/mcp-test-server.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const cli = path.resolve('bin/cleanroom.js');

const overlapRun = {
  cleanRoomId: 'CR-000001',
  questionId: 'audience_overlap',
  parameters: { attribute: 'region' },
};

interface RunHandle {
  run: { id: string; status: string; progress: number };
  finished: boolean;
}

function handleOf(result: CallToolResult): RunHandle {
  expect(result.isError).toBeFalsy();
  return result.structuredContent as unknown as RunHandle;
}

/** Starts `cleanroom worker` as its own process on the web process's schema, data directory and Redis. */
async function startWorkerProcess(web: McpTestServer): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'worker'], {
    env: {
      ...(process.env as Record<string, string>),
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: web.platform.schema,
      DATA_DIR: web.platform.dataDir,
      REDIS_URL,
      LOG_LEVEL: 'info',
      QUEUE_POLL_INTERVAL_SECONDS: '1',
      ENGINE_THREADS: '2',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.includes('"worker started"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`cleanroom worker exited with ${code}`)));
  });
  return child;
}

/**
 * A web process that executes no runs and a `cleanroom worker` process share
 * one PostgreSQL schema and Redis, as N web and M worker processes do in
 * production. Run events reach the web process only through Redis.
 */
describe('run events from a worker in another process', () => {
  let web: McpTestServer;
  let worker: ChildProcess | undefined;
  const clients: ConnectedClient[] = [];
  /** Run events the web process received, all of them from the worker over Redis. */
  const eventsAtWeb: RunEvent[] = [];

  beforeAll(async () => {
    web = await startMcpTestServer({ env: { REDIS_URL, WORKER_ENABLED: 'false' } });
    const bus = web.platform.platform.context.runEvents;
    if (!(bus instanceof RedisRunEventBus)) throw new Error('the web process has no Redis bus');
    await bus.waitUntilSubscribed();
    bus.subscribe((event) => eventsAtWeb.push(event));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(({ client }) => client.close()));
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
    await web?.close();
  });

  async function connect(): Promise<ConnectedClient> {
    const connected = await connectClient(web.url, web.platform.keys.advertiser);
    clients.push(connected);
    return connected;
  }

  it('records Redis as the run event backend', () => {
    expect(web.platform.platform.backends.runEvents).toBe('redis');
  });

  it('notifies a run resource subscriber when the remote worker completes the run', async () => {
    const { client } = await connect();
    const updated: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
      updated.push(notification.params.uri);
    });
    const started = handleOf(
      (await client.callTool({
        name: 'start_run',
        arguments: { ...overlapRun, idempotencyKey: 'cross-process-subscribe' },
      })) as CallToolResult,
    );
    const uri = `cleanroom://runs/${started.run.id}`;
    await client.subscribeResource({ uri });

    // The worker starts only now, so the run cannot finish before the subscription.
    worker = await startWorkerProcess(web);
    await vi.waitFor(
      () =>
        expect(eventsAtWeb).toContainEqual(
          expect.objectContaining({ runId: started.run.id, status: 'COMPLETED' }),
        ),
      { timeout: 30_000 },
    );
    await vi.waitFor(() => expect(updated.length).toBeGreaterThanOrEqual(1), { timeout: 5_000 });

    expect(new Set(updated)).toEqual(new Set([uri]));
    const run = await client.readResource({ uri });
    expect(run.contents[0]).toMatchObject({ uri });
    const final = handleOf(
      (await client.callTool({
        name: 'get_run',
        arguments: { runId: started.run.id },
      })) as CallToolResult,
    );
    expect(final.run.status).toBe('COMPLETED');
  });

  it('sends start_run progress from the remote worker', async () => {
    worker ??= await startWorkerProcess(web);
    const { client } = await connect();
    const progress: number[] = [];

    const result = (await client.callTool(
      {
        name: 'start_run',
        arguments: { ...overlapRun, idempotencyKey: 'cross-process-progress', waitSeconds: 30 },
      },
      undefined,
      { onprogress: ({ progress: value }) => void progress.push(value) },
    )) as CallToolResult;
    const handle = handleOf(result);

    expect(handle.finished).toBe(true);
    expect(handle.run.status).toBe('COMPLETED');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const remote = eventsAtWeb.filter((event) => event.runId === handle.run.id);
    expect(remote.map((event) => event.status)).toContain('RUNNING');
    expect(remote.map((event) => event.status)).toContain('COMPLETED');
    const received = await web.platform.platform.metrics
      .getSingleMetric('cleanroom_run_events_received_total')!
      .get();
    const delivered = received.values.find((value) => value.labels.result === 'delivered');
    expect(delivered?.value).toBeGreaterThanOrEqual(remote.length);
  });
});

describe('run events with Redis unreachable', () => {
  let test: TestPlatform;
  let advertiser: McpTestClient;

  beforeAll(async () => {
    // Port 1 has no Redis, so every publish to Redis fails while the platform keeps working.
    test = await startTestPlatform({
      backend: 'postgres',
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
    });
    advertiser = await connectMcpClient(test, test.keys.advertiser);
  });

  afterAll(async () => {
    await advertiser?.close();
    await test?.close();
  });

  it('still runs and notifies within the process', async () => {
    expect(test.platform.backends.runEvents).toBe('redis');
    const progress: number[] = [];

    const started = await advertiser.call(
      'start_run',
      { ...overlapRun, idempotencyKey: 'redis-unreachable', waitSeconds: 30 },
      { onprogress: ({ progress: value }) => void progress.push(value) },
    );

    expect(started.result.isError).toBeFalsy();
    expect((started.data as unknown as RunHandle).run.status).toBe('COMPLETED');
    expect(progress.at(-1)).toBe(100);
  });
});
