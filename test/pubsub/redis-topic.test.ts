import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RedisTopic } from '../../src/adapters/pubsub/redis-topic.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const greetingSchema = z.object({ id: z.string(), text: z.string() });
type Greeting = z.infer<typeof greetingSchema>;

/** Creates a pino logger whose records the test reads. */
function capturingLogger() {
  const records: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => records.push(JSON.parse(line) as (typeof records)[number]) },
  );
  return { log, records };
}

function greeting(text = 'hello'): Greeting {
  return { id: randomBytes(4).toString('hex'), text };
}

/** Resolves with the first message a topic delivers with `id`. */
function nextGreeting(topic: RedisTopic<Greeting>, id: string): Promise<Greeting> {
  return new Promise((resolve) => {
    const unsubscribe = topic.subscribe((message) => {
      if (message.id !== id) return;
      unsubscribe();
      resolve(message);
    });
  });
}

describe('RedisTopic', () => {
  let admin: Redis;
  let channel: string;
  let connectionName: string;
  const topics: RedisTopic<Greeting>[] = [];

  function createTopic(log = capturingLogger().log, url = REDIS_URL) {
    const topic = new RedisTopic({
      url,
      channel,
      schema: greetingSchema,
      commandTimeoutMs: 1_000,
      connectTimeoutMs: 2_000,
      connectionName,
      log,
    });
    topics.push(topic);
    return topic;
  }

  async function connectedTopic(log = capturingLogger().log) {
    const topic = createTopic(log);
    await topic.waitUntilSubscribed();
    return topic;
  }

  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await admin?.quit();
  });

  beforeEach(() => {
    // A fresh channel and connection name per test keep parallel runs apart.
    const suffix = randomBytes(4).toString('hex');
    channel = `cleanroom-test:${suffix}:topic`;
    connectionName = `topic-test-${suffix}`;
  });

  afterEach(async () => {
    await Promise.all(topics.splice(0).map((topic) => topic.close()));
  });

  it('delivers a message to another topic on the channel', async () => {
    const sender = await connectedTopic();
    const receiver = await connectedTopic();
    const message = greeting();

    const arrived = nextGreeting(receiver, message.id);
    await sender.publish(message);

    expect(await arrived).toEqual(message);
  });

  it('delivers to listeners of the publishing topic once', async () => {
    const sender = await connectedTopic();
    const other = await connectedTopic();
    const seen: string[] = [];
    sender.subscribe((message) => seen.push(message.id));
    const mine = greeting();
    const marker = greeting();

    const mineArrived = nextGreeting(other, mine.id);
    await sender.publish(mine);
    // Redis keeps the order on one channel, so an echo of `mine` would arrive before the marker.
    await mineArrived;
    const markerArrived = nextGreeting(sender, marker.id);
    await other.publish(marker);
    await markerArrived;

    expect(seen).toEqual([mine.id, marker.id]);
  });

  it('drops a message that fails the schema with a warning', async () => {
    const capture = capturingLogger();
    const receiver = await connectedTopic(capture.log);
    const sender = await connectedTopic();
    const seen: Greeting[] = [];
    receiver.subscribe((message) => seen.push(message));
    const valid = greeting();

    await admin.publish(channel, 'not json');
    await admin.publish(channel, JSON.stringify({ origin: 'elsewhere', message: { id: 1 } }));
    const arrived = nextGreeting(receiver, valid.id);
    await sender.publish(valid);
    await arrived;

    expect(seen).toEqual([valid]);
    const dropped = capture.records.filter(
      (record) => record.msg === 'malformed topic message dropped',
    );
    expect(dropped.map((record) => record.issue)).toEqual([
      'not JSON',
      expect.stringContaining('message.id'),
    ]);
  });

  it('rejects a publish Redis cannot carry', async () => {
    // Port 1 has no Redis, so every connection attempt fails at once.
    const topic = createTopic(capturingLogger().log, 'redis://127.0.0.1:1');
    const seen: Greeting[] = [];
    topic.subscribe((message) => seen.push(message));
    const message = greeting();

    await expect(topic.publish(message)).rejects.toThrow('not ready');
    expect(seen).toEqual([message]);
  });

  it('releases both connections on close', async () => {
    const topic = await connectedTopic();

    await topic.close();

    const list = String(await admin.client('LIST'));
    expect(list).not.toContain(`name=cleanroom-${connectionName}-`);
    expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 0]);
    await expect(topic.publish(greeting())).rejects.toThrow('closed');
  });
});
