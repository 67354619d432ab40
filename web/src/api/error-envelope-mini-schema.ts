import { z } from 'zod/mini';

/**
 * The fields of the REST API's error envelope (ErrorEnvelopeSchema in
 * src/interfaces/http/error-envelope.ts) that the web app shows, in zod/mini,
 * so that the first route can read a failed sign-in without the full zod
 * library. Other fields are allowed and ignored.
 */
export const ErrorEnvelopeMiniSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.optional(z.record(z.string(), z.unknown())),
  }),
});
