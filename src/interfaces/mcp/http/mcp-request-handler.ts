import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../domain/errors/app-error.ts';
import type { Caller } from '../../../domain/organizations/caller.ts';
import type { McpAuthentication } from '../auth/mcp-authenticator.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the MCP endpoint's onRequest hook on every request but CORS preflights. */
    mcpAuthentication: McpAuthentication | null;
  }
}

/** Builds the MCP server for a caller: a session's server, or one request's in stateless mode. */
export type McpServerFactory = (caller: Caller) => McpServer;

/** The endpoint's handling of each HTTP method: with sessions, or stateless. */
export interface McpRequestHandler {
  /** Methods this mode serves, for the Allow header of 405 responses and of preflights. */
  readonly allowedMethods: readonly string[];
  post(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  get(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  delete(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Ends every session and stream this process holds. */
  close(): Promise<void>;
}

export function authenticationOf(request: FastifyRequest): McpAuthentication {
  if (request.mcpAuthentication === null) {
    throw new AppError('UNAUTHENTICATED', 'This request needs an API key or an access token.');
  }
  return request.mcpAuthentication;
}

export function sessionIdOf(request: FastifyRequest): string | undefined {
  const value = request.headers['mcp-session-id'];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function methodNotAllowed(
  reply: FastifyReply,
  method: string,
  allowedMethods: readonly string[],
  reason: string,
): AppError {
  reply.raw.setHeader('allow', allowedMethods.join(', '));
  return new AppError('MCP_METHOD_NOT_ALLOWED', `Method Not Allowed: ${method} /mcp ${reason}.`);
}
