import { hash, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerFactory,
  FastifyServerOptions,
} from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CachePin, ReadCache } from '../../../adapters/cache/read-cache.ts';
import type { Logger } from '../../../adapters/logging/logger.ts';
import { requestDurationHistogram, type RequestHistogram } from './request-metrics.ts';

declare module 'fastify' {
  interface FastifyReply {
    /** The cached value the route sent, set by a memoized JSON sender; see `ResponseMemo`. */
    memoizableValue: object | null;
  }
}

/** Response headers that Node.js writes itself. The memo sets the length from the memoized body. */
const NODE_WRITTEN_HEADERS = new Set([
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

const REPLAYS_METRIC = 'cleanroom_http_response_memo_replays_total';
const BYTES_METRIC = 'cleanroom_http_response_memo_bytes';

/** One response the memo replays, and the cached values it was made from. */
interface MemoizedResponse {
  /** The caller's API key lookup and the value the route sent. */
  pins: readonly CachePin[];
  /** Header names and values, flat, as `writeHead` takes them. */
  headers: string[];
  body: Buffer;
  labels: { method: string; route: string; status_code: string };
  /** Memory the entry is counted for: body, headers and key. */
  bytes: number;
}

/** Figures of the memo since the process started, for the cache administration endpoint. */
export interface ResponseMemoStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  /** Requests served from the memo. */
  replays: number;
  /** Responses memoized, again after each invalidation or expiry. */
  recorded: number;
}

export interface ResponseMemoOptions {
  cache: ReadCache;
  metrics: Registry;
  log: Logger;
  maxBytes: number;
}

/**
 * Replays the responses of cached API reads without running the Fastify
 * pipeline. A GET that authenticates with an API key, whose caller and body
 * both came from the read cache, is memoized whole: its headers (security,
 * caching, encoding) and its body as sent, compressed or not. The memo key
 * is the URL, the Accept-Encoding header and a SHA-256 of the Authorization
 * header, so the raw key is not kept.
 *
 * A later request with the same key gets the same bytes while the cache
 * still contains both values, unchanged and fresh. `ReadCache.servePinned`
 * checks that and counts the hits. For a value in process memory the check
 * is a map lookup. For a value in Redis alone (CACHE_L1_ENABLED=false) it is
 * a GET of the entry. A write that invalidates either value, an expiry, an
 * eviction, a revoked key or a Redis outage sends the request through
 * Fastify again, which records the new response. A replay is counted in the
 * HTTP duration histogram and logged, as Fastify does for its requests.
 *
 * Fastify's hooks, routing, validation and serialization took about two
 * thirds of a cached list request's CPU, and no plugin setting removes them.
 * That is why the memo runs in front of Fastify, in its server factory.
 *
 * Requests with If-None-Match, a body or X-No-Compression, and cookie
 * sessions, always go through Fastify. Once the entries' size passes
 * `maxBytes`, the oldest are dropped.
 *
 * NOTE: `maxBytes` counts bodies and headers only. An entry also keeps the
 * cached values it was made from alive until it is dropped, even after the
 * cache evicted them, so the memo can hold roughly twice its budget.
 */
export class ResponseMemo {
  private readonly entries = new Map<string, MemoizedResponse>();
  private readonly durations: RequestHistogram;
  private bytes = 0;
  private replays = 0;
  private recorded = 0;

  constructor(private readonly options: ResponseMemoOptions) {
    this.durations = requestDurationHistogram(options.metrics);
    this.registerMetrics(options.metrics);
  }

  stats(): ResponseMemoStats {
    return {
      entries: this.entries.size,
      bytes: this.bytes,
      maxBytes: this.options.maxBytes,
      replays: this.replays,
      recorded: this.recorded,
    };
  }

  /** Fastify's server factory: an HTTP server that serves memoized requests itself and passes every other one to Fastify. */
  readonly serverFactory: FastifyServerFactory = (handler, fastifyOptions) => {
    const server = createServer((request, response) => this.serve(request, response, handler));
    // The settings Fastify gives the servers it creates itself (fastify/lib/server.js).
    const options = fastifyOptions as FastifyServerOptions;
    server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
    server.requestTimeout = options.requestTimeout ?? 0;
    server.setTimeout(options.connectionTimeout ?? 0);
    return server;
  };

  /**
   * Serves `request` from the memo, or passes it to `fallback` (Fastify)
   * untouched. A response made of a value in Redis alone is replayed after a
   * GET finds that value unchanged, so the request waits for Redis either way.
   */
  serve(request: IncomingMessage, response: ServerResponse, fallback: RequestListener): void {
    const started = performance.now();
    const found = this.find(request);
    if (found === undefined) return fallback(request, response);

    const [key, memoized] = found;
    const current = this.options.cache.servePinned(memoized.pins);
    if (current === true) return this.replay(request, response, memoized, started);
    if (current === false) {
      this.delete(key, memoized);
      return fallback(request, response);
    }
    current.then(
      (stillCurrent) => {
        if (stillCurrent) return this.replay(request, response, memoized, started);
        this.delete(key, memoized);
        fallback(request, response);
      },
      () => fallback(request, response),
    );
  }

  private find(request: IncomingMessage): [string, MemoizedResponse] | undefined {
    if (request.method !== 'GET' || this.entries.size === 0) return undefined;
    const headers = request.headers;
    const authorization = headers.authorization;
    if (authorization === undefined || !isPlainGet(request)) return undefined;

    const key = memoKey(request.url ?? '', headers['accept-encoding'], authorization);
    const memoized = this.entries.get(key);
    return memoized && [key, memoized];
  }

  private replay(
    request: IncomingMessage,
    response: ServerResponse,
    memoized: MemoizedResponse,
    started: number,
  ): void {
    response.writeHead(200, memoized.headers);
    response.end(memoized.body);
    this.replays += 1;
    const elapsedMs = performance.now() - started;
    this.durations.observe(memoized.labels, elapsedMs / 1000);
    if (this.options.log.isLevelEnabled('info')) {
      this.options.log.info(
        {
          reqId: randomUUID(),
          req: { method: 'GET', url: request.url },
          res: { statusCode: 200 },
          responseTime: elapsedMs,
          responseMemo: true,
        },
        'request completed',
      );
    }
  }

  /**
   * Memoizes a response on its way out, if it qualifies. Runs as the last
   * onSend hook of every route, so it records the body and headers as sent.
   */
  record(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    const value = reply.memoizableValue;
    if (value === null || request.method !== 'GET' || reply.statusCode !== 200) return;
    const authorization = request.headers.authorization;
    if (authorization === undefined || !isPlainGet(request.raw)) return;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return;
    if (reply.hasHeader('set-cookie')) return;

    const cache = this.options.cache;
    const callerPin = cache.pin(request.caller);
    const valuePin = cache.pin(value);
    if (callerPin === undefined || valuePin === undefined) return;

    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const headers: string[] = [];
    for (const [name, headerValue] of Object.entries(reply.getHeaders())) {
      if (headerValue === undefined || NODE_WRITTEN_HEADERS.has(name)) continue;
      headers.push(name, String(headerValue));
    }
    headers.push('content-length', String(body.length));

    const key = memoKey(request.url, request.headers['accept-encoding'], authorization);
    const previous = this.entries.get(key);
    if (previous) this.delete(key, previous);
    const bytes = body.length + key.length + headers.reduce((sum, part) => sum + part.length, 0);
    if (bytes > this.options.maxBytes) return;

    this.entries.set(key, {
      pins: [callerPin, valuePin],
      headers,
      body,
      labels: { method: 'GET', route: request.routeOptions.url ?? 'unmatched', status_code: '200' },
      bytes,
    });
    this.bytes += bytes;
    this.recorded += 1;
    this.evictOverflow();
  }

  /** Counts replays in plain numbers and copies them when scraped, as the cache metrics do. */
  private registerMetrics(registry: Registry): void {
    const replays = () => this.replays;
    const bytes = () => this.bytes;
    // A second HTTP server on the same platform (tests, benches) takes the metrics over.
    for (const name of [REPLAYS_METRIC, BYTES_METRIC]) registry.removeSingleMetric(name);
    new Counter({
      name: REPLAYS_METRIC,
      help: 'API requests served from the response memo, without running the Fastify pipeline.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(replays());
      },
    });
    new Gauge({
      name: BYTES_METRIC,
      help: 'Memory held by memoized API responses, in bytes (CACHE_RESPONSE_MEMO_MB bounds it).',
      registers: [registry],
      collect() {
        this.set(bytes());
      },
    });
  }

  private delete(key: string, memoized: MemoizedResponse): void {
    if (this.entries.get(key) !== memoized) return;
    this.entries.delete(key);
    this.bytes -= memoized.bytes;
  }

  /** Drops the oldest entries until the memo fits its budget. The map keeps insertion order, so the first entries are the oldest. */
  private evictOverflow(): void {
    for (const [key, memoized] of this.entries) {
      if (this.bytes <= this.options.maxBytes) return;
      this.delete(key, memoized);
    }
  }
}

/**
 * Lets the memo record the responses of this server's routes, and declares
 * the reply property that memoized senders set. Register it after the
 * compression plugin, so its onSend hook runs after the compressor's.
 */
export function registerResponseMemo(app: FastifyInstance, memo: ResponseMemo | null): void {
  app.decorateReply('memoizableValue', null);
  if (memo === null) return;

  app.addHook('onRoute', (route) => {
    if (route.method !== 'GET' && !(Array.isArray(route.method) && route.method.includes('GET')))
      return;
    route.onSend = [...toArray(route.onSend), recordHook];
  });

  function recordHook(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    done: (error: null, payload: unknown) => void,
  ): void {
    memo!.record(request, reply, payload);
    done(null, payload);
  }
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Returns true for a GET without a body and without headers that change how the response is made. */
function isPlainGet(request: IncomingMessage): boolean {
  const headers = request.headers;
  return (
    headers['if-none-match'] === undefined &&
    headers['x-no-compression'] === undefined &&
    headers['content-length'] === undefined &&
    headers['transfer-encoding'] === undefined
  );
}

function memoKey(url: string, acceptEncoding: string | undefined, authorization: string): string {
  return `${url}\n${acceptEncoding ?? ''}\n${hash('sha256', authorization, 'base64')}`;
}
