import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisRunEventBus } from '../../src/adapters/pubsub/redis-run-event-bus.ts';
import type { RunEvent } from '../../src/adapters/pubsub/run-event-bus.ts';
import type { RunEventMessage, ServerMessage } from '../../src/domain/chat/ws-protocol.ts';
import { findRoom, type CleanRoomView, type RunView } from '../support/api-helpers.ts';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import { bearer, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { TestWsClient } from './ws-test-client.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const cli = path.resolve('bin/cleanroom.js');
const overlapRun = { questionId: 'audience_overlap', parameters: { attribute: 'age_band' } };

function runEvents(client: TestWsClient): RunEventMessage['event'][] {
  return client.messages
    .filter((message): message is RunEventMessage => message.type === 'run_event')
    .map((message) => message.event);
}

function isRunEvent(runId: string, status: string) {
  return (message: ServerMessage) =>
    message.type === 'run_event' &&
    message.event.runId === runId &&
    message.event.status === status;
}

async function listen(test: TestPlatform): Promise<string> {
  await test.app.listen({ host: '127.0.0.1', port: 0 });
  const address = test.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `ws://127.0.0.1:${port}/ws`;
}

async function submitRun(test: TestPlatform, room: CleanRoomView): Promise<RunView> {
  const response = await test.app.inject({
    method: 'POST',
    url: `/api/v1/cleanrooms/${room.id}/runs`,
    headers: bearer(test.keys.advertiser),
    payload: overlapRun,
  });
  expect(response.statusCode).toBe(202);
  return response.json() as RunView;
}

async function subscribe(client: TestWsClient, id: string, target: Record<string, unknown>) {
  client.send({ type: 'subscribe_runs', id, ...target });
  return client.waitFor(
    (message) => (message.type === 'ack' || message.type === 'error') && message.id === id,
  );
}

function syntheticEvent(runId: string, cleanRoomId: string, status: RunEvent['status']): RunEvent {
  return { runId, cleanRoomId, status, progress: 100, at: new Date().toISOString() };
}

describe('run events over the in-process bus', () => {
  let test: TestPlatform;
  let url: string;
  let holiday: CleanRoomView;
  let cornerstone: CleanRoomView;
  const clients: TestWsClient[] = [];

  async function connect(key: string): Promise<TestWsClient> {
    const client = await TestWsClient.connect(url, { key });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite' });
    url = await listen(test);
    holiday = await findRoom(test.app, test.keys.advertiser, 'Holiday');
    cornerstone = await findRoom(test.app, test.keys.retailer, 'Cornerstone');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await test?.close();
  });

  it('delivers run status to room partners only', async () => {
    const advertiser = await connect(test.keys.advertiser);
    const publisher = await connect(test.keys.publisher);
    const retailer = await connect(test.keys.retailer);
    expect(await subscribe(advertiser, 'a', { cleanRoomId: holiday.id })).toMatchObject({
      type: 'ack',
    });
    expect(await subscribe(publisher, 'p', { cleanRoomId: holiday.id })).toMatchObject({
      type: 'ack',
    });
    expect(await subscribe(retailer, 'r', { cleanRoomId: cornerstone.id })).toMatchObject({
      type: 'ack',
    });

    const run = await submitRun(test, holiday);
    await advertiser.waitFor(isRunEvent(run.id, 'COMPLETED'));
    await publisher.waitFor(isRunEvent(run.id, 'COMPLETED'));
    // The retailer is no partner of the holiday room: an event of its own room, published after, arrives alone.
    await test.platform.context.runEvents.publish(
      syntheticEvent(crypto.randomUUID(), cornerstone.id, 'QUEUED'),
    );
    await retailer.waitFor((message) => message.type === 'run_event');

    const statuses = runEvents(advertiser).map((event) => event.status);
    expect(statuses[0]).toBe('QUEUED');
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(runEvents(publisher).map((event) => event.status)).toEqual(statuses);
    expect(runEvents(retailer).map((event) => event.cleanRoomId)).toEqual([cornerstone.id]);
  });

  it('rejects a subscription to a clean room the organization is no partner of', async () => {
    const publisher = await connect(test.keys.publisher);

    expect(await subscribe(publisher, 'p', { cleanRoomId: cornerstone.id })).toMatchObject({
      type: 'error',
      code: 'CLEAN_ROOM_NOT_FOUND',
    });
  });

  it('rejects a subscription to a run the organization cannot see', async () => {
    const retailer = await connect(test.keys.retailer);
    const run = await submitRun(test, holiday);

    expect(await subscribe(retailer, 'r', { runIds: [run.id] })).toMatchObject({
      type: 'error',
      code: 'RUN_NOT_FOUND',
    });
  });

  it('delivers a subscribed run only with the clean room it was seen in', async () => {
    const advertiser = await connect(test.keys.advertiser);
    const run = await submitRun(test, holiday);
    expect(await subscribe(advertiser, 's', { runIds: [run.id] })).toMatchObject({ type: 'ack' });
    await advertiser.waitFor(isRunEvent(run.id, 'COMPLETED'));
    const bus = test.platform.context.runEvents;

    await bus.publish(syntheticEvent(run.id, cornerstone.id, 'FAILED'));
    await bus.publish(syntheticEvent(run.id, holiday.id, 'CANCELLED'));
    await advertiser.waitFor(isRunEvent(run.id, 'CANCELLED'));

    expect(runEvents(advertiser).map((event) => event.cleanRoomId)).not.toContain(cornerstone.id);
  });

  it('stops delivering after unsubscribe_runs', async () => {
    const advertiser = await connect(test.keys.advertiser);
    await subscribe(advertiser, 's', { cleanRoomId: holiday.id });
    advertiser.send({ type: 'unsubscribe_runs', id: 'u', cleanRoomId: holiday.id });
    await advertiser.waitFor((message) => message.type === 'ack' && message.id === 'u');
    const run = await submitRun(test, holiday);
    await subscribe(advertiser, 'm', { runIds: [run.id] });
    const marker = crypto.randomUUID();
    const bus = test.platform.context.runEvents;

    await bus.publish(syntheticEvent(marker, holiday.id, 'QUEUED'));
    await bus.publish(syntheticEvent(run.id, holiday.id, 'CANCELLED'));
    await advertiser.waitFor(isRunEvent(run.id, 'CANCELLED'));

    expect(runEvents(advertiser).map((event) => event.runId)).not.toContain(marker);
  });
});

/** Starts `cleanroom start` (web and worker) as another process on the same schema, data directory and Redis. */
async function startWebProcess(test: TestPlatform): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'start', '--port', '0', '--host', '127.0.0.1'], {
    env: {
      ...(process.env as Record<string, string>),
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: test.schema,
      DATA_DIR: test.dataDir,
      REDIS_URL,
      SEED: 'none',
      LOG_LEVEL: 'info',
      QUEUE_POLL_INTERVAL_SECONDS: '1',
      ENGINE_THREADS: '2',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  let url = '';
  let subscribed = false;
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      const address = /is running at (http:\/\/\S+)/.exec(line)?.[1];
      if (address) url = `${address.replace('http://', 'ws://')}/ws`;
      if (line.includes('"run events subscribed"')) subscribed = true;
      if (url && subscribed) resolve();
    });
    child.once('exit', (code) => reject(new Error(`cleanroom start exited with ${code}`)));
  });
  return { child, url };
}

describe('run events over Redis across two web processes', () => {
  let web: TestPlatform;
  let url: string;
  let other: { child: ChildProcess; url: string } | undefined;
  let holiday: CleanRoomView;
  const clients: TestWsClient[] = [];

  beforeAll(async () => {
    web = await startTestPlatform({
      backend: 'postgres',
      startWorker: false,
      env: { REDIS_URL, WORKER_ENABLED: 'false' },
    });
    const bus = web.platform.context.runEvents;
    if (!(bus instanceof RedisRunEventBus)) throw new Error('the web process has no Redis bus');
    await bus.waitUntilSubscribed();
    url = await listen(web);
    holiday = await findRoom(web.app, web.keys.advertiser, 'Holiday');
    other = await startWebProcess(web);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    if (other && other.child.exitCode === null) {
      other.child.kill('SIGTERM');
      await once(other.child, 'exit');
    }
    await web?.close();
  });

  it('delivers a remote completion locally', async () => {
    const local = await TestWsClient.connect(url, { key: web.keys.advertiser });
    const remote = await TestWsClient.connect(other?.url ?? '', { key: web.keys.publisher });
    clients.push(local, remote);
    await subscribe(local, 'h', { cleanRoomId: holiday.id });
    await subscribe(remote, 't', { cleanRoomId: holiday.id });

    // This process runs no worker, so the run executes on the other one and its events come over Redis.
    const run = await submitRun(web, holiday);
    await local.waitFor(isRunEvent(run.id, 'COMPLETED'), { timeoutMs: 30_000 });
    await remote.waitFor(isRunEvent(run.id, 'COMPLETED'), { timeoutMs: 30_000 });

    expect(
      runEvents(local)
        .filter((event) => event.runId === run.id)
        .at(-1),
    ).toMatchObject({
      cleanRoomId: holiday.id,
      progress: 100,
    });
    expect(runEvents(remote).map((event) => event.status)).toEqual(
      runEvents(local).map((event) => event.status),
    );
  });
});
