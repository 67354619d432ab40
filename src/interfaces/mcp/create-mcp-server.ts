import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import { toolRegistry } from '../tools/tool-registry.ts';
import { registerPrompts } from './prompts.ts';
import { applyProtocolGuards } from './protocol-guards.ts';
import { registerTools } from './register-tools.ts';
import { rejectInvalidParams } from './request-params-check.ts';
import { registerResources } from './resources.ts';
import { RunLogMessages } from './run-log-messages.ts';
import { enableRunSubscriptions, rejectSubscriptions } from './run-subscriptions.ts';

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
export interface McpServerOptions {
  /**
   * Offers resources/subscribe with run updates; false in stateless mode,
   * where resources/subscribe is rejected with the reason. Default true.
   */
  subscriptions?: boolean;
}

export function createMcpServer(
  services: ServiceContext,
  caller: Caller,
  options: McpServerOptions = {},
): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION },
    { capabilities: { logging: {} }, instructions: INSTRUCTIONS },
  );
  // Without a handler the SDK drops protocol errors (such as a response it failed to send) silently.
  server.server.onerror = (err) => logProtocolError(services, err);
  // Before the protocol guards, which wrap it, so their `"arguments": null` fix comes first.
  rejectInvalidParams(server);
  applyProtocolGuards(server);
  // A stateless server ends with its POST, like subscriptions, so it cannot follow a run.
  const runLog = options.subscriptions === false ? undefined : new RunLogMessages(server, services);
  registerTools(server, toolRegistry, services, caller, runLog);
  registerResources(server, services, caller);
  if (options.subscriptions === false) rejectSubscriptions(server);
  else enableRunSubscriptions(server, services, caller);
  registerPrompts(server, services, caller);
  return server;
}

/**
 * Message starts of the errors the SDK's HTTP transport (1.32) reports for a
 * client's mistake it has already rejected with a 4xx (406, 415, 400).
 */
const CLIENT_MISTAKES =
  /^(Not Acceptable|Unsupported Media Type|Bad Request|Parse error|Invalid Request)/;

/** Logs a client's mistake at info without a stack, and anything else at warn with the error. */
function logProtocolError(services: ServiceContext, err: Error): void {
  if (CLIENT_MISTAKES.test(err.message)) {
    services.log.info({ reason: err.message }, 'MCP client request rejected');
    return;
  }
  services.log.warn({ err }, 'MCP protocol error');
}
