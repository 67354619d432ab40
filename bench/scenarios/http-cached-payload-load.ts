import autocannon from 'autocannon';
import { z } from 'zod';
import { serveBenchRequests } from '../lib/child-protocol.ts';

const HttpLoadRequestSchema = z.discriminatedUnion('kind', [
  /** Fetches each URL once and returns the bodies, so the bench can check they are the same bytes. */
  z.object({ kind: z.literal('probe'), urls: z.array(z.string()) }),
  z.object({
    kind: z.literal('load'),
    url: z.string(),
    connections: z.number().int().positive(),
    durationSeconds: z.number().positive(),
  }),
]);
export type HttpLoadRequest = z.infer<typeof HttpLoadRequestSchema>;

export interface HttpLoadMeasured {
  requestsPerSecond: number;
  /** Latency percentiles in milliseconds, as autocannon's histogram reports them. */
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  requests: number;
}

async function probe(urls: string[]): Promise<string[]> {
  const bodies: string[] = [];
  for (const url of urls) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url} failed with status ${response.status}`);
    bodies.push(await response.text());
  }
  return bodies;
}

async function load(
  request: Extract<HttpLoadRequest, { kind: 'load' }>,
): Promise<HttpLoadMeasured> {
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    duration: request.durationSeconds,
    pipelining: 1,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
  };
}

serveBenchRequests(async (payload) => {
  const request = HttpLoadRequestSchema.parse(payload);
  if (request.kind === 'probe') return probe(request.urls);
  return load(request);
});
