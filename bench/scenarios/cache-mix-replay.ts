import { z } from 'zod';

export const ReplayMixRequestSchema = z.object({
  kind: z.literal('mix'),
  baseUrl: z.string(),
  apiKey: z.string(),
  /** Clean room ids; the first is the most popular under the Zipf distribution. */
  roomIds: z.array(z.string()).min(1),
  operations: z.number().int().positive(),
  /** Share of operations that are writes (PATCH of the room's description), 0 to 1. */
  writeShare: z.number().min(0).max(1),
  /** Exponent s of the Zipf distribution over rooms: P(rank k) is proportional to 1 / k^s. */
  zipfExponent: z.number().positive(),
  concurrency: z.number().int().positive(),
  seed: z.number().int(),
});
export type ReplayMixRequest = z.infer<typeof ReplayMixRequestSchema>;

export interface ReplayMixMeasured {
  reads: number;
  writes: number;
  /** Reads that returned an older version than a write of the same room acknowledged before the read was sent. */
  staleReads: number;
  errors: number;
  distinctRoomsRead: number;
  durationMs: number;
}

/**
 * Replays a mix of reads (GET /cleanrooms/{id}) and writes (PATCH of the
 * description to "v<n>") over Zipf-distributed rooms from several concurrent
 * clients, and checks every read against the last write acknowledged before
 * it was sent. Writes of one room never overlap, so versions only grow.
 */
export async function replayMix(request: ReplayMixRequest): Promise<ReplayMixMeasured> {
  const random = mulberry32(request.seed);
  const pickRoom = zipfSampler(request.roomIds.length, request.zipfExponent, random);
  const headers = { authorization: `Bearer ${request.apiKey}`, 'content-type': 'application/json' };
  const acknowledged = new Map<number, number>();
  const issued = new Map<number, number>();
  const writing = new Set<number>();
  const read = new Set<number>();
  const totals = { reads: 0, writes: 0, staleReads: 0, errors: 0 };
  let remaining = request.operations;

  const readRoom = async (room: number) => {
    const expected = acknowledged.get(room) ?? 0;
    const response = await fetch(`${request.baseUrl}/api/v1/cleanrooms/${request.roomIds[room]}`, {
      headers,
    });
    totals.reads += 1;
    read.add(room);
    if (!response.ok) return void (totals.errors += 1);
    const { description } = (await response.json()) as { description: string };
    if (Number(description.slice(1)) < expected) totals.staleReads += 1;
  };

  const writeRoom = async (room: number) => {
    const version = (issued.get(room) ?? 0) + 1;
    issued.set(room, version);
    writing.add(room);
    const response = await fetch(`${request.baseUrl}/api/v1/cleanrooms/${request.roomIds[room]}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ description: `v${version}` }),
    });
    await response.arrayBuffer();
    writing.delete(room);
    totals.writes += 1;
    if (!response.ok) return void (totals.errors += 1);
    acknowledged.set(room, Math.max(acknowledged.get(room) ?? 0, version));
  };

  const started = performance.now();
  const client = async () => {
    while (remaining > 0) {
      remaining -= 1;
      const room = pickRoom();
      const write = random() < request.writeShare && !writing.has(room);
      await (write ? writeRoom(room) : readRoom(room));
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, client));
  return { ...totals, distinctRoomsRead: read.size, durationMs: performance.now() - started };
}

/** Returns a sampler of ranks 0..n-1 with P(rank k) proportional to 1 / (k + 1)^s, by binary search of the cumulative distribution. */
function zipfSampler(n: number, exponent: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let rank = 0; rank < n; rank += 1) {
    sum += 1 / (rank + 1) ** exponent;
    cumulative[rank] = sum;
  }
  return () => {
    const target = random() * sum;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/** Small seeded PRNG (mulberry32), so every run replays the same sequence of rooms. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
