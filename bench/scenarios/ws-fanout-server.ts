import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { createPlatform, type Platform } from '../../src/app/create-platform.ts';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import { RedisRunEventBus } from '../../src/adapters/pubsub/redis-run-event-bus.ts';
import type { RunEvent } from '../../src/adapters/pubsub/run-event-bus.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { RunEventMessage } from '../../src/domain/chat/ws-protocol.ts';
import { createHttpServer } from '../../src/interfaces/http/create-http-server.ts';
import { readDemoCredentials } from '../../src/services/seed/demo-credentials.ts';
import { seedDemoWorkspace } from '../../src/services/seed/seed-demo-workspace.ts';
import { serveBenchRequests } from '../lib/child-protocol.ts';

const WsServerRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('open'),
    dataDirectory: z.string(),
    endDate: z.string(),
    /** Set to put the platform's run events on Redis pub/sub; null keeps them in-process. */
    redisUrl: z.string().nullable(),
  }),
  /** Publishes a completion event through the platform's RunEventBus. */
  z.object({ kind: z.literal('publish'), at: z.string() }),
  /** Sends the same frame to every client of the bare `ws` server. */
  z.object({ kind: z.literal('broadcast'), at: z.string() }),
  z.object({ kind: z.literal('stats') }),
]);
export type WsServerRequest = z.infer<typeof WsServerRequestSchema>;

export interface WsServerOpened {
  /** ws://127.0.0.1:PORT/ws of the platform. */
  platformUrl: string;
  /** ws://127.0.0.1:PORT of the bare `ws` server. */
  bareUrl: string;
  apiKey: string;
  runId: string;
  cleanRoomId: string;
  /** Redis channel of the platform's run events, or null for the in-process bus. */
  channel: string | null;
  runEventBackend: string;
  seedMs: number;
}

/** process.hrtime.bigint() in nanoseconds as a string, taken just before the event left. */
export interface WsServerSent {
  sentAtNs: string;
  frameBytes: number;
}

const advertiserPrefix = 'Northwind';
let opened: {
  platform: Platform;
  app: FastifyInstance;
  bare: WebSocketServer;
  info: WsServerOpened;
} | null = null;

/**
 * Starts the two servers under test in this pinned process: the real
 * platform (embedded PGlite, small demo seed, /ws endpoint) and a bare `ws`
 * server that sends the same frame to every client.
 */
async function open(request: Extract<WsServerRequest, { kind: 'open' }>): Promise<WsServerOpened> {
  if (opened !== null) throw new Error('The servers are already open');
  const config = loadConfig({
    DATA_DIR: request.dataDirectory,
    DATABASE_URL: '',
    LOG_LEVEL: 'warn',
    ENGINE_THREADS: '1',
    WORKER_ENABLED: 'false',
    ...(request.redisUrl
      ? {
          REDIS_URL: request.redisUrl,
          REDIS_KEY_PREFIX: `bench-${randomBytes(4).toString('hex')}:`,
        }
      : {}),
  });
  const platform = await createPlatform(config, createLogger(config.LOG_LEVEL, 2), {
    purpose: 'bench ws-fanout',
  });
  const seedStarted = performance.now();
  await seedDemoWorkspace(platform.context, {
    size: 'small',
    dataDir: request.dataDirectory,
    endDate: request.endDate,
    threads: 1,
  });
  const seedMs = performance.now() - seedStarted;
  const bus = platform.context.runEvents;
  if (bus instanceof RedisRunEventBus) await bus.waitUntilSubscribed();

  const apiKey = (await readDemoCredentials(request.dataDirectory)).find((entry) =>
    entry.organization.startsWith(advertiserPrefix),
  )?.apiKey;
  if (apiKey === undefined) throw new Error(`The demo seed made no ${advertiserPrefix} API key`);
  const app = await createHttpServer(platform);
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const { runId, cleanRoomId } = await createQueuedRun(app, apiKey);
  const bare = await startBareServer();

  const info: WsServerOpened = {
    platformUrl: `${baseUrl.replace('http://', 'ws://')}/ws`,
    bareUrl: `ws://127.0.0.1:${(bare.address() as { port: number }).port}`,
    apiKey,
    runId,
    cleanRoomId,
    channel: config.REDIS_URL
      ? `${config.REDIS_KEY_PREFIX}${config.DATABASE_SCHEMA}:run-events`
      : null,
    runEventBackend: platform.backends.runEvents,
    seedMs,
  };
  opened = { platform, app, bare, info };
  return info;
}

/** Submits a run that stays queued (no worker runs here), so clients subscribe to a run they may see. */
async function createQueuedRun(
  app: FastifyInstance,
  apiKey: string,
): Promise<{ runId: string; cleanRoomId: string }> {
  const headers = { authorization: `Bearer ${apiKey}` };
  const rooms = await app.inject({
    method: 'GET',
    url: '/api/v1/cleanrooms?search=Holiday',
    headers,
  });
  const cleanRoomId = (rooms.json() as { items: { id: string }[] }).items[0]?.id;
  if (!cleanRoomId) throw new Error('The demo seed made no Holiday clean room');

  const run = await app.inject({
    method: 'POST',
    url: `/api/v1/cleanrooms/${cleanRoomId}/runs`,
    headers,
    payload: { questionId: 'audience_overlap', parameters: { attribute: 'age_band' } },
  });
  if (run.statusCode !== 202) throw new Error(`Run submission failed: ${run.body}`);
  return { runId: (run.json() as { id: string }).id, cleanRoomId };
}

async function startBareServer(): Promise<WebSocketServer> {
  const bare = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => bare.once('listening', resolve));
  return bare;
}

function completionEvent(at: string): RunEvent {
  const info = requireOpened().info;
  return {
    runId: info.runId,
    cleanRoomId: info.cleanRoomId,
    status: 'COMPLETED',
    progress: 100,
    at,
  };
}

async function publish(at: string): Promise<WsServerSent> {
  const { platform } = requireOpened();
  const event = completionEvent(at);
  const sentAtNs = process.hrtime.bigint();
  await platform.context.runEvents.publish(event);
  return { sentAtNs: sentAtNs.toString(), frameBytes: frameOf(event).length };
}

/** Sends the platform's frame bytes from the bare server, one `send` per client, as a plain broadcast does. */
function broadcast(at: string): WsServerSent {
  const { bare } = requireOpened();
  const frame = frameOf(completionEvent(at));
  const sentAtNs = process.hrtime.bigint();
  for (const client of bare.clients) client.send(frame);
  return { sentAtNs: sentAtNs.toString(), frameBytes: Buffer.byteLength(frame) };
}

function frameOf(event: RunEvent): string {
  return JSON.stringify({ type: 'run_event', event } satisfies RunEventMessage);
}

function requireOpened() {
  if (opened === null) throw new Error('Send an open request first');
  return opened;
}

serveBenchRequests(
  async (payload) => {
    const request = WsServerRequestSchema.parse(payload);
    switch (request.kind) {
      case 'open':
        return open(request);
      case 'publish':
        return publish(request.at);
      case 'broadcast':
        return broadcast(request.at);
      case 'stats':
        return requireOpened().app.wsHub?.stats() ?? null;
    }
  },
  async () => {
    opened?.bare.close();
    await opened?.app.close();
    await opened?.platform.close();
  },
);
