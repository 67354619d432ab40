import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../domain/errors/app-error.ts';
import type { McpAuthentication } from '../auth/mcp-authenticator.ts';
import {
  toJsonRpcErrorBody,
  withStableErrorCode,
  type JsonRpcErrorBody,
} from './json-rpc-error.ts';
import { followResponseMode, inResponseModeOf } from './response-mode.ts';
import { writeWebResponse } from './write-web-response.ts';

/**
 * Hands a request to the SDK's web-standard transport, with the body Fastify
 * already parsed and the caller's AuthInfo, which tool handlers read as
 * `extra.authInfo`, and writes the transport's response to the raw Node
 * response. Fastify stops managing the response.
 */
export async function forwardToTransport(
  request: FastifyRequest,
  reply: FastifyReply,
  transport: WebStandardStreamableHTTPServerTransport,
  authentication: McpAuthentication,
): Promise<void> {
  // Built before the hijack, so a request that fits no URL gets the endpoint's 400.
  const webRequest = toWebRequest(request.raw);
  reply.hijack();

  try {
    followResponseMode(transport);
    const response = await inResponseModeOf(request.body, () =>
      transport.handleRequest(webRequest, {
        authInfo: authentication.authInfo,
        parsedBody: request.body,
      }),
    );
    await writeWebResponse(await withStableErrorCode(response), reply.raw);
  } catch (err) {
    request.log.error({ err }, 'MCP transport failed');
    const internal = new AppError('INTERNAL', 'The MCP transport failed.', { cause: err });
    writeJsonRpcError(reply.raw, 500, toJsonRpcErrorBody(internal));
  }
}

/**
 * Converts the request line and headers to the part of a fetch Request the
 * transport reads: method, url and headers (WebStandardStreamableHTTPServerTransport
 * in SDK 1.32). It reads the body only when it gets no parsed one, and
 * Fastify parses every POST body (GET and DELETE have none). A real Request
 * also built an AbortSignal and parsed the URL, about a tenth of a cached
 * tool call's CPU; the MCP transport tests cover what the transport reads.
 */
function toWebRequest(raw: IncomingMessage): Request {
  const headers = new Headers();
  for (let index = 0; index + 1 < raw.rawHeaders.length; index += 2) {
    headers.append(raw.rawHeaders[index] as string, raw.rawHeaders[index + 1] as string);
  }

  const host = raw.headers.host ?? '127.0.0.1';
  const url = `http://${host}${raw.url ?? '/'}`;
  if (!URL.canParse(url)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `Bad Request: Host "${host}" and path "${raw.url ?? ''}" do not form a valid URL; send the host name of this server.`,
    );
  }
  const request: Pick<Request, 'method' | 'url' | 'headers'> = {
    method: raw.method ?? 'GET',
    url,
    headers,
  };
  return request as Request;
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
