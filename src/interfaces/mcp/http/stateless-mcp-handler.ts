import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { forwardToTransport } from './forward-to-transport.ts';
import {
  authenticationOf,
  methodNotAllowed,
  type McpRequestHandler,
  type McpServerFactory,
} from './mcp-request-handler.ts';

/**
 * MCP_STATELESS=true: every POST gets a fresh server and transport, and no
 * session id is issued, so any web process can serve any request and
 * concurrent requests share nothing. Server-to-client streams outside a
 * POST (GET) and session ends (DELETE) do not exist in this mode.
 */
export class StatelessMcpHandler implements McpRequestHandler {
  readonly allowedMethods = ['POST', 'OPTIONS'] as const;

  constructor(private readonly createServer: McpServerFactory) {}

  async post(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const authentication = authenticationOf(request);
    const server = this.createServer(authentication.caller);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
    });
    reply.raw.once('close', () => {
      server.close().catch((err: unknown) => {
        request.log.warn({ err }, 'closing a stateless MCP server failed');
      });
    });

    await server.connect(transport);
    await forwardToTransport(request, reply, transport, authentication);
  }

  async get(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
    throw methodNotAllowed(
      reply,
      'GET',
      this.allowedMethods,
      'is not served: this server is stateless (MCP_STATELESS=true) and sends no messages outside a POST',
    );
  }

  async delete(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
    throw methodNotAllowed(
      reply,
      'DELETE',
      this.allowedMethods,
      'is not served: this server is stateless (MCP_STATELESS=true) and has no sessions to end',
    );
  }

  async close(): Promise<void> {
    // Each server closes with its own request.
  }
}
