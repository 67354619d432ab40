import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** Response headers a browser client must be able to read: the session id above all. */
const EXPOSED_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate';
/** Request headers the Streamable HTTP transport and its authorization use. */
const ALLOWED_REQUEST_HEADERS =
  'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID';
/** How long a browser may cache a preflight response, in seconds. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * Adds the CORS headers for an Origin the policy allowed. They go on the raw
 * response, because the SDK transport writes hijacked responses itself and
 * Node merges headers set this way into its writeHead.
 */
export function setCorsHeaders(response: ServerResponse, origin: string): void {
  response.setHeader('access-control-allow-origin', origin);
  response.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
  response.setHeader('vary', 'Origin');
}

/** Responds to a CORS preflight (OPTIONS) with the methods and headers the endpoint accepts. */
export function answerPreflight(reply: FastifyReply, allowedMethods: readonly string[]): void {
  const methods = allowedMethods.join(', ');
  reply.raw.setHeader('allow', methods);
  if (reply.raw.hasHeader('access-control-allow-origin')) {
    reply.raw.setHeader('access-control-allow-methods', methods);
    reply.raw.setHeader('access-control-allow-headers', ALLOWED_REQUEST_HEADERS);
    reply.raw.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
  }
  void reply.code(204).send();
}
