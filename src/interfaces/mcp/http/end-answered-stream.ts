import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';

/** The private fields of the SDK 1.32 transport that contain its open SSE streams and unanswered requests. */
interface TransportInternals {
  /** Open SSE streams by stream id. */
  _streamMapping?: unknown;
  /** The stream of each request whose response has not been sent. */
  _requestToStreamMapping?: unknown;
}

/**
 * Ends the open SSE stream `streamId` when no request on it awaits a
 * response, the way the transport ends a POST's stream after the last
 * response: the events already queued are sent, then the body ends.
 *
 * The transport does so only for a response it sends on an open stream. A
 * stream resumed after its response (replayed from the event store, or
 * resumed after it) carries nothing more, yet stays open. The SDK keeps both
 * maps private (SDK 1.32), so a later SDK that renames either makes this do
 * nothing, and such a stream then stays open until the client or the
 * session closes it.
 */
export function endAnsweredStream(
  transport: WebStandardStreamableHTTPServerTransport,
  streamId: string,
): void {
  const { _streamMapping: streams, _requestToStreamMapping: requests } =
    transport as unknown as TransportInternals;
  if (!(streams instanceof Map) || !(requests instanceof Map)) return;

  const awaitingResponse = [...(requests as Map<RequestId, string>).values()].includes(streamId);
  if (awaitingResponse) return;
  (streams as Map<string, { cleanup(): void }>).get(streamId)?.cleanup();
}
