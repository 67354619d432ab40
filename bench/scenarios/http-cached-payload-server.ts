import { createServer, type Server } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { registerCachingHeaders } from '../../src/interfaces/http/plugins/caching-headers.ts';
import { registerCompression } from '../../src/interfaces/http/plugins/compression.ts';
import { registerRequestMetrics } from '../../src/interfaces/http/plugins/request-metrics.ts';
import { createMemoizedJsonSender } from '../../src/interfaces/http/plugins/memoized-json-sender.ts';
import { registerSecurityHeaders } from '../../src/interfaces/http/plugins/security-headers.ts';
import { serveBenchRequests } from '../lib/child-protocol.ts';
import { serverVariants, type ServerVariant } from './http-cached-payload-variants.ts';

const HttpServerRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('open'), variant: z.enum(serverVariants) }),
  /** Returns this process's CPU time so far, in microseconds (user plus system). */
  z.object({ kind: z.literal('cpu') }),
]);
export type HttpServerRequest = z.infer<typeof HttpServerRequestSchema>;

export interface HttpServerOpened {
  url: string;
}

export const CACHED_PATH = '/cached';

/**
 * The cached payload: a page of three clean rooms, about 600 bytes of JSON,
 * below the compression threshold as most cached list pages of one caller are not.
 */
const cachedPage = {
  items: [1, 2, 3].map((index) => ({
    id: `3f2b6c1e-0d4a-4e8f-9a51-00000000000${index}`,
    name: `Retail overlap ${index}`,
    status: 'ACTIVE',
    type: 'Hybrid',
    partnersCount: 2,
    createdAt: '2026-11-01T09:00:00.000Z',
  })),
  nextCursor: null,
};

const pageJsonSchema = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          status: { type: 'string' },
          type: { type: 'string' },
          partnersCount: { type: 'integer' },
          createdAt: { type: 'string' },
        },
      },
    },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;

/** The same page as a zod schema, the form the API's routes declare. Its key order gives the bytes the JSON schema gives. */
const CachedPageSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      status: z.string(),
      type: z.string(),
      partnersCount: z.number().int(),
      createdAt: z.string(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

let closeServer: (() => Promise<void>) | null = null;

/** Bare node:http sending the same bytes, serialized once. */
async function openBareNode(): Promise<string> {
  const body = Buffer.from(JSON.stringify(cachedPage));
  const server: Server = createServer((request, response) => {
    if (request.url !== CACHED_PATH) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeServer = () => new Promise((resolve) => server.close(() => resolve()));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}${CACHED_PATH}`;
}

/**
 * Fastify with a response schema. `serialized` runs Fastify's JSON schema
 * serializer (fast-json-stringify) on each request. `memoized` sends the body
 * and ETag that the clean room routes' sender computes once per cached
 * value, optionally behind the server's delivery plugins.
 */
async function openFastify(
  body: 'serialized' | 'memoized',
  withDeliveryPlugins: boolean,
): Promise<string> {
  const app: FastifyInstance = Fastify({ logger: false });
  if (withDeliveryPlugins) {
    await registerSecurityHeaders(app, { publicUrl: undefined });
    await registerCachingHeaders(app);
    await registerCompression(app);
    registerRequestMetrics(app, new Registry());
  }
  const schema = { response: { 200: pageJsonSchema } };
  if (body === 'serialized') {
    app.get(CACHED_PATH, { schema }, async () => cachedPage);
  } else {
    const send = createMemoizedJsonSender(CachedPageSchema, { method: 'GET', url: CACHED_PATH });
    app.get(CACHED_PATH, { schema }, async (_request, reply) => send(reply, cachedPage));
  }
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  closeServer = () => app.close();
  return `${address}${CACHED_PATH}`;
}

async function open(variant: ServerVariant): Promise<HttpServerOpened> {
  if (closeServer !== null) throw new Error('The server is already open');
  switch (variant) {
    case 'bare-node':
      return { url: await openBareNode() };
    case 'fastify-serialized':
      return { url: await openFastify('serialized', false) };
    case 'fastify':
      return { url: await openFastify('memoized', false) };
    case 'fastify-delivery':
      return { url: await openFastify('memoized', true) };
  }
}

serveBenchRequests(
  async (payload) => {
    const request = HttpServerRequestSchema.parse(payload);
    if (request.kind === 'open') return open(request.variant);
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  },
  async () => {
    await closeServer?.();
  },
);
