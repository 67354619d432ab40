import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../domain/errors/app-error.ts';
import type { McpAuthentication } from '../auth/mcp-authenticator.ts';
import { toJsonRpcErrorBody, type JsonRpcErrorBody } from './json-rpc-error.ts';

/**
 * Hands a request to the SDK transport on the raw Node request and response,
 * with the body Fastify already parsed and the caller's AuthInfo, which tool
 * handlers read as `extra.authInfo`. Fastify stops managing the response.
 */
export async function forwardToTransport(
  request: FastifyRequest,
  reply: FastifyReply,
  transport: StreamableHTTPServerTransport,
  authentication: McpAuthentication,
): Promise<void> {
  reply.hijack();
  const raw = request.raw as IncomingMessage & { auth?: AuthInfo };
  raw.auth = authentication.authInfo;

  try {
    await transport.handleRequest(raw, reply.raw, request.body);
  } catch (err) {
    request.log.error({ err }, 'MCP transport failed');
    const internal = new AppError('INTERNAL', 'The MCP transport failed.', { cause: err });
    writeJsonRpcError(reply.raw, 500, toJsonRpcErrorBody(internal));
  }
}

/** Writes a JSON-RPC error on a response Fastify no longer manages, or ends it if headers went out already. */
export function writeJsonRpcError(
  response: ServerResponse,
  status: number,
  body: JsonRpcErrorBody,
): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
