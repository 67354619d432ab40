import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { CancelledNotificationSchema, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/**
 * Returns the request id a POST body cancels, when the body is one
 * notifications/cancelled message. Protocol 2025-06-18 removed batches, so
 * a cancellation comes alone.
 */
export function cancelledRequestIdOf(body: unknown): RequestId | undefined {
  // Checked first because every POST comes here, and a failed zod parse
  // builds an error object with all its issues.
  if (!isCancellation(body)) return undefined;
  const parsed = CancelledNotificationSchema.safeParse(body);
  return parsed.success ? parsed.data.params.requestId : undefined;
}

function isCancellation(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as { method?: unknown }).method === 'notifications/cancelled'
  );
}

/** The private field of the SDK 1.32 transport that maps a request to its POST's SSE stream. */
interface TransportInternals {
  _requestToStreamMapping?: Map<RequestId, string>;
}

/**
 * Returns the id of the SSE stream that carries the response to `requestId`,
 * or undefined once the response went out. The SDK keeps this mapping
 * private (SDK 1.32), so a later SDK that renames it makes this return
 * undefined, and a cancelled call's stream then stays open as before.
 */
export function streamIdOfRequest(
  transport: WebStandardStreamableHTTPServerTransport,
  requestId: RequestId,
): string | undefined {
  const internals = transport as unknown as TransportInternals;
  return internals._requestToStreamMapping?.get(requestId);
}
