import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisRunEventBus } from '../../src/adapters/pubsub/redis-run-event-bus.ts';
import type { RunEvent } from '../../src/adapters/pubsub/run-event-bus.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Creates a pino logger whose records the test reads. */
function capturingLogger() {
  const records: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => records.push(JSON.parse(line) as (typeof records)[number]) },
  );
  return { log, records, messages: () => records.map((record) => record.msg) };
}

function runEvent(overrides: Partial<RunEvent> = {}): RunEvent {
  return {
    runId: `run_${randomBytes(4).toString('hex')}`,
    cleanRoomId: 'cr_test',
    status: 'RUNNING',
    progress: 40,
    at: new Date().toISOString(),
    ...overrides,
  };
}

/** Reads a counter's values by their `result` label. */
async function counts(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(name)!.get();
  return Object.fromEntries(
    metric.values.map((value) => [String(value.labels.result), value.value]),
  );
}

/** Resolves with the first event a bus delivers for `runId`. */
function nextEvent(bus: RedisRunEventBus, runId: string): Promise<RunEvent> {
  return new Promise((resolve) => {
    const unsubscribe = bus.subscribe((event) => {
      if (event.runId !== runId) return;
      unsubscribe();
      resolve(event);
    });
  });
}

describe('RedisRunEventBus', () => {
  let admin: Redis;
  let channel: string;
  let connectionName: string;
  const buses: RedisRunEventBus[] = [];

  function createBus(log = capturingLogger().log, url = REDIS_URL, metrics?: Registry) {
    const bus = new RedisRunEventBus({
      url,
      channel,
      commandTimeoutMs: 1_000,
      connectTimeoutMs: 2_000,
      connectionName,
      log,
      ...(metrics ? { metrics } : {}),
    });
    buses.push(bus);
    return bus;
  }

  async function connectedBus(log = capturingLogger().log, metrics?: Registry) {
    const bus = createBus(log, REDIS_URL, metrics);
    await bus.waitUntilSubscribed();
    return bus;
  }

  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await admin?.quit();
  });

  afterEach(async () => {
    // A fresh channel and connection name per test keep parallel runs apart.
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  beforeEach(() => {
    const suffix = randomBytes(4).toString('hex');
    channel = `cleanroom-test:${suffix}:run-events`;
    connectionName = `run-events-test-${suffix}`;
  });

  it('delivers events between two buses on one channel', async () => {
    const first = await connectedBus();
    const second = await connectedBus();
    const fromFirst = runEvent({ status: 'RUNNING' });
    const fromSecond = runEvent({ status: 'COMPLETED', progress: 100 });

    const atSecond = nextEvent(second, fromFirst.runId);
    const atFirst = nextEvent(first, fromSecond.runId);
    await first.publish(fromFirst);
    await second.publish(fromSecond);

    expect(await atSecond).toEqual(fromFirst);
    expect(await atFirst).toEqual(fromSecond);
  });

  it('delivers an event to listeners of the publishing bus once', async () => {
    const publisher = await connectedBus();
    const other = await connectedBus();
    const seen: RunEvent[] = [];
    publisher.subscribe((event) => seen.push(event));
    const mine = runEvent();
    const marker = runEvent();

    const mineArrived = nextEvent(other, mine.runId);
    await publisher.publish(mine);
    // The other bus publishes after the first event went out, and Redis keeps
    // the order on one channel, so the echo of `mine` would arrive before it.
    await mineArrived;
    const markerArrived = nextEvent(publisher, marker.runId);
    await other.publish(marker);
    await markerArrived;

    expect(seen.map((event) => event.runId)).toEqual([mine.runId, marker.runId]);
  });

  it('drops a malformed message with a warning', async () => {
    const capture = capturingLogger();
    const metrics = new Registry();
    const receiver = await connectedBus(capture.log, metrics);
    const sender = await connectedBus();
    const seen: RunEvent[] = [];
    receiver.subscribe((event) => seen.push(event));
    const valid = runEvent();

    await admin.publish(channel, 'not json');
    await admin.publish(
      channel,
      JSON.stringify({ origin: 'elsewhere', event: { ...runEvent(), status: 'EXPLODED' } }),
    );
    const arrived = nextEvent(receiver, valid.runId);
    await sender.publish(valid);
    await arrived;

    expect(seen).toEqual([valid]);
    const dropped = capture.records.filter(
      (record) => record.msg === 'malformed run event dropped',
    );
    expect(dropped).toHaveLength(2);
    expect(dropped[0]).toMatchObject({ level: 40, issue: 'not JSON' });
    expect(dropped[1]).toMatchObject({ level: 40, issue: expect.stringContaining('event.status') });
    expect(await counts(metrics, 'cleanroom_run_events_received_total')).toEqual({
      malformed: 2,
      delivered: 1,
    });
  });

  it('releases both connections on close', async () => {
    const bus = await connectedBus();
    const names = () =>
      admin
        .client('LIST')
        .then(
          (list) =>
            String(list).match(new RegExp(`name=cleanroom-${connectionName}-\\S+`, 'g')) ?? [],
        );
    expect((await names()).sort()).toEqual([
      `name=cleanroom-${connectionName}-publisher`,
      `name=cleanroom-${connectionName}-subscriber`,
    ]);

    await bus.close();

    expect(await names()).toEqual([]);
    expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 0]);
    expect(bus.isSubscribed()).toBe(false);
  });

  it('subscribes again after the connection drops', async () => {
    const receiver = await connectedBus();
    const sender = await connectedBus();
    const list = String(await admin.client('LIST'));
    const subscriberId = new RegExp(
      `id=(\\d+) [^\\n]*name=cleanroom-${connectionName}-subscriber`,
    ).exec(list)?.[1];
    expect(subscriberId).toBeDefined();

    // Kills only this test's own subscriber connection, as a Redis restart would.
    await admin.client('KILL', 'ID', subscriberId!);
    await expect.poll(() => receiver.isSubscribed()).toBe(false);
    await receiver.waitUntilSubscribed(5_000);
    const event = runEvent({ status: 'FAILED' });
    const arrived = nextEvent(receiver, event.runId);
    await sender.publish(event);

    expect(await arrived).toEqual(event);
  });

  it('keeps local delivery and does not throw when Redis is unreachable', async () => {
    const capture = capturingLogger();
    // Port 1 has no Redis, so every connection attempt fails at once.
    const metrics = new Registry();
    const bus = createBus(capture.log, 'redis://127.0.0.1:1', metrics);
    const seen: RunEvent[] = [];
    bus.subscribe((event) => seen.push(event));
    const events = [runEvent(), runEvent(), runEvent()];

    for (const event of events) await expect(bus.publish(event)).resolves.toBeUndefined();

    expect(seen).toEqual(events);
    const warnings = capture.records.filter((record) =>
      record.msg.startsWith('run event not published to Redis'),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, runId: events[0]!.runId });
    await expect(bus.waitUntilSubscribed(200)).rejects.toThrow('not subscribed after 200 ms');
    expect(await counts(metrics, 'cleanroom_run_events_published_total')).toEqual({ skipped: 3 });
  });
});
