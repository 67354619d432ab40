import autocannon from 'autocannon';
import { z } from 'zod';
import { serveBenchRequests } from '../lib/child-protocol.ts';
import { replayMix, ReplayMixRequestSchema } from './cache-mix-replay.ts';

const headersSchema = z.record(z.string(), z.string());

const CacheLoadRequestSchema = z.discriminatedUnion('kind', [
  /** Fetches each URL once and returns the bodies, so the bench can check they are the same bytes. */
  z.object({ kind: z.literal('probe'), urls: z.array(z.string()), headers: headersSchema }),
  z.object({
    kind: z.literal('load'),
    url: z.string(),
    headers: headersSchema,
    connections: z.number().int().positive(),
    durationSeconds: z.number().positive(),
    /** Seconds after which autocannon counts a request as timed out. */
    timeoutSeconds: z.number().positive().default(10),
  }),
  ReplayMixRequestSchema,
]);
export type CacheLoadRequest = z.input<typeof CacheLoadRequestSchema>;

export interface CacheLoadMeasured {
  requestsPerSecond: number;
  /** Latency percentiles and maximum in milliseconds, from autocannon's histogram. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  requests: number;
}

async function probe(urls: string[], headers: Record<string, string>): Promise<string[]> {
  const bodies: string[] = [];
  for (const url of urls) {
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`GET ${url} failed with status ${response.status}`);
    bodies.push(await response.text());
  }
  return bodies;
}

async function load(
  request: Extract<z.infer<typeof CacheLoadRequestSchema>, { kind: 'load' }>,
): Promise<CacheLoadMeasured> {
  const result = await autocannon({
    url: request.url,
    headers: request.headers,
    connections: request.connections,
    duration: request.durationSeconds,
    timeout: request.timeoutSeconds,
    pipelining: 1,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
  };
}

serveBenchRequests(async (payload) => {
  const request = CacheLoadRequestSchema.parse(payload);
  switch (request.kind) {
    case 'probe':
      return probe(request.urls, request.headers);
    case 'load':
      return load(request);
    case 'mix':
      return replayMix(request);
  }
});
