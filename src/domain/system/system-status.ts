import { z } from 'zod';

/** Health of one part of the process and the backend it uses. */
export const ComponentStatusSchema = z.object({
  name: z.enum(['database', 'queue', 'engine', 'runEvents', 'cache', 'redis', 'push', 'llm']),
  /** The backend this process really uses, such as "postgresql" or "pglite (embedded)". */
  backend: z.string(),
  status: z.enum(['ok', 'degraded', 'down']),
  /** Internals (latency, errors, counters); shown to ADMIN callers only. */
  detail: z.string().optional(),
});
export type ComponentStatus = z.infer<typeof ComponentStatusSchema>;

/** Response of `GET /api/v1/system/status`. */
export const SystemStatusSchema = z.object({
  components: z.array(ComponentStatusSchema),
  version: z.string(),
  /** Seconds since this process started. */
  uptimeSeconds: z.number().int(),
});
export type SystemStatus = z.infer<typeof SystemStatusSchema>;
