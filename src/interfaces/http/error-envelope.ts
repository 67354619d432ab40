import { z } from 'zod';

/** The one error shape of the REST API: a stable code, the HTTP status and a message naming the bad value. */
export const ErrorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string(),
    status: z.number().int(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    requestId: z.string(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

/** Error responses every authenticated route can return, for the OpenAPI document. */
export const commonErrorResponses = {
  400: ErrorEnvelopeSchema,
  401: ErrorEnvelopeSchema,
  403: ErrorEnvelopeSchema,
  404: ErrorEnvelopeSchema,
  409: ErrorEnvelopeSchema,
  422: ErrorEnvelopeSchema,
  500: ErrorEnvelopeSchema,
};
