import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import { toolRegistry } from '../tools/tool-registry.ts';
import { registerPrompts } from './prompts.ts';
import { registerTools } from './register-tools.ts';
import { registerResources } from './resources.ts';
import { enableRunSubscriptions } from './run-subscriptions.ts';

export const MCP_SERVER_NAME = 'cleanroom-copilot';
export const MCP_SERVER_VERSION = '0.1.0';

const INSTRUCTIONS =
  "Cleanroom Copilot answers approved aggregate questions over partners' first-party data in clean rooms. Typical flow: list_clean_rooms or get_clean_room, then list_partners, list_datasets and list_questions, get_question for parameters, preview_run to check them, start_run (with an idempotencyKey), get_run, and get_results. Results never contain rows under the clean room's crowd size; report suppressed rows and noise with the numbers.";

/**
 * Builds the MCP server of one session (or one request in stateless mode):
 * the shared tools, the clean room resources with run subscriptions and the
 * workflow prompts, all acting for `caller`. Everything is registered
 * before the caller connects a transport, because capabilities cannot
 * change after that.
 */
export function createMcpServer(services: ServiceContext, caller: Caller): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION },
    { capabilities: { logging: {} }, instructions: INSTRUCTIONS },
  );
  registerTools(server, toolRegistry, services, caller);
  registerResources(server, services, caller);
  enableRunSubscriptions(server, services, caller);
  registerPrompts(server, services, caller);
  return server;
}
