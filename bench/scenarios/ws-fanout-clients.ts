import { WebSocket } from 'ws';
import { z } from 'zod';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import { RedisRunEventBus } from '../../src/adapters/pubsub/redis-run-event-bus.ts';
import { WS_SUBPROTOCOL } from '../../src/domain/chat/ws-protocol.ts';
import { serveBenchRequests } from '../lib/child-protocol.ts';

const groupSchema = z.enum(['platform', 'bare']);
type Group = z.infer<typeof groupSchema>;

const WsClientsRequestSchema = z.discriminatedUnion('kind', [
  /** Opens `count` sockets of a group; platform sockets authenticate and subscribe to `runId`. */
  z.object({
    kind: z.literal('connect'),
    group: groupSchema,
    url: z.string(),
    count: z.number().int().positive(),
    apiKey: z.string().nullable(),
    runId: z.string().nullable(),
  }),
  z.object({ kind: z.literal('disconnect') }),
  /** Starts recording arrivals of the frame carrying `marker` on every socket of a group. */
  z.object({ kind: z.literal('arm'), group: groupSchema, marker: z.string() }),
  /** Waits for the armed frame on every socket, up to `timeoutMs`, and returns latencies from `sentAtNs`. */
  z.object({
    kind: z.literal('collect'),
    sentAtNs: z.string(),
    timeoutMs: z.number().int().positive(),
  }),
  /** Publishes a completion event on Redis the way a worker process does. */
  z.object({
    kind: z.literal('publish-redis'),
    redisUrl: z.string(),
    channel: z.string(),
    event: z.object({
      runId: z.string(),
      cleanRoomId: z.string(),
      at: z.string(),
    }),
  }),
]);
export type WsClientsRequest = z.infer<typeof WsClientsRequestSchema>;

export interface WsClientsCollected {
  /** Milliseconds from the send to the arrival, one per socket that got the frame. */
  latencies: number[];
  lost: number;
}

/** Sockets opened in parallel while connecting a group. */
const CONNECT_CONCURRENCY = 50;

const sockets: Record<Group, WebSocket[]> = { platform: [], bare: [] };
let armed: { group: Group; marker: string; arrivals: (bigint | null)[]; received: number } | null =
  null;
let onArrival: (() => void) | null = null;
let publisher: RedisRunEventBus | null = null;

async function connect(request: Extract<WsClientsRequest, { kind: 'connect' }>): Promise<number> {
  for (let start = 0; start < request.count; start += CONNECT_CONCURRENCY) {
    const batch = Math.min(CONNECT_CONCURRENCY, request.count - start);
    await Promise.all(
      Array.from({ length: batch }, (_, offset) => openSocket(request, start + offset)),
    );
  }
  return sockets[request.group].length;
}

async function openSocket(
  request: Extract<WsClientsRequest, { kind: 'connect' }>,
  index: number,
): Promise<void> {
  const socket =
    request.group === 'platform'
      ? new WebSocket(request.url, [WS_SUBPROTOCOL], {
          headers: { authorization: `Bearer ${request.apiKey}` },
        })
      : new WebSocket(request.url);
  sockets[request.group][index] = socket;
  socket.on('message', (data) => record(request.group, index, data as Buffer));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  if (request.group === 'bare') return;

  await new Promise<void>((resolve, reject) => {
    const onMessage = (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; id?: string };
      if (message.type === 'ack' && message.id === 'subscribe') resolve();
      if (message.type === 'error') reject(new Error(`subscribe_runs failed: ${data.toString()}`));
    };
    socket.on('message', onMessage);
    socket.send(
      JSON.stringify({ type: 'subscribe_runs', id: 'subscribe', runIds: [request.runId] }),
    );
  });
}

/** Parses every frame, as a real client does, and stamps the armed one. */
function record(group: Group, index: number, data: Buffer): void {
  const arrivedAt = process.hrtime.bigint();
  const message = JSON.parse(data.toString()) as { type: string; event?: { at?: string } };
  if (armed === null || armed.group !== group || message.event?.at !== armed.marker) return;
  if (armed.arrivals[index] !== null) return;

  armed.arrivals[index] = arrivedAt;
  armed.received += 1;
  if (armed.received === armed.arrivals.length) onArrival?.();
}

function arm(group: Group, marker: string): number {
  armed = { group, marker, arrivals: sockets[group].map(() => null), received: 0 };
  return armed.arrivals.length;
}

async function collect(sentAtNs: bigint, timeoutMs: number): Promise<WsClientsCollected> {
  const current = armed;
  if (current === null) throw new Error('Send an arm request first');

  if (current.received < current.arrivals.length) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      onArrival = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  onArrival = null;
  armed = null;
  const latencies = current.arrivals
    .filter((arrival): arrival is bigint => arrival !== null)
    .map((arrival) => Number(arrival - sentAtNs) / 1e6);
  return { latencies, lost: current.arrivals.length - latencies.length };
}

async function publishRedis(
  request: Extract<WsClientsRequest, { kind: 'publish-redis' }>,
): Promise<{ sentAtNs: string }> {
  publisher ??= await openPublisher(request.redisUrl, request.channel);
  const sentAtNs = process.hrtime.bigint();
  await publisher.publish({ ...request.event, status: 'COMPLETED', progress: 100 });
  return { sentAtNs: sentAtNs.toString() };
}

/**
 * Opens a Redis run event bus like a worker's and waits until its channel is
 * subscribed. By then Redis accepts connections, and the untimed warm-up
 * events cover a publishing connection that becomes ready a moment later.
 */
async function openPublisher(redisUrl: string, channel: string): Promise<RedisRunEventBus> {
  const bus = new RedisRunEventBus({
    url: redisUrl,
    channel,
    commandTimeoutMs: 1_000,
    connectTimeoutMs: 2_000,
    log: createLogger('warn', 2),
    connectionName: 'bench-publisher',
  });
  await bus.waitUntilSubscribed();
  return bus;
}

async function disconnect(): Promise<void> {
  for (const group of ['platform', 'bare'] as const) {
    for (const socket of sockets[group]) socket.terminate();
    sockets[group] = [];
  }
}

serveBenchRequests(
  async (payload) => {
    const request = WsClientsRequestSchema.parse(payload);
    switch (request.kind) {
      case 'connect':
        return connect(request);
      case 'disconnect':
        return disconnect();
      case 'arm':
        return arm(request.group, request.marker);
      case 'collect':
        return collect(BigInt(request.sentAtNs), request.timeoutMs);
      case 'publish-redis':
        return publishRedis(request);
    }
  },
  async () => {
    await disconnect();
    await publisher?.close();
  },
);
