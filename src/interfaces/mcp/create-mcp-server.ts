import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../../services/service-context.ts';

export const MCP_SERVER_NAME = 'cleanroom-copilot';
export const MCP_SERVER_VERSION = '0.1.0';

/**
 * Builds the MCP server of one session (or one request in stateless mode):
 * the shared tools, the clean room resources and the workflow prompts, all
 * acting for `caller`.
 */
export function createMcpServer(services: ServiceContext, caller: Caller): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION },
    { capabilities: { logging: {} } },
  );
  // NOTE: tools, resources and prompts are registered here as they are built.
  void services;
  void caller;
  return server;
}
