import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../adapters/logging/logger.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import { invokeTool, type ToolOutcome } from '../tools/invoke-tool.ts';
import type { ToolCallContext, ToolDefinition } from '../tools/tool-definition.ts';

type RequestExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Registers each tool on the MCP server. The SDK validates the arguments
 * against the tool's input schema before the handler runs, and rejects
 * invalid ones with an isError result naming the field.
 */
export function registerTools(
  server: McpServer,
  tools: readonly ToolDefinition[],
  services: ServiceContext,
  caller: Caller,
): void {
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        outputSchema: tool.outputSchema,
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (input, extra) => {
        const context = toolCallContext(services, caller, extra);
        return toCallToolResult(await invokeTool(tool, input, context));
      },
    );
  }
}

function toolCallContext(
  services: ServiceContext,
  caller: Caller,
  extra: RequestExtra,
): ToolCallContext {
  return {
    services,
    caller,
    signal: extra.signal,
    reportProgress: progressReporter(extra, services.log),
  };
}

/**
 * Sends notifications/progress for the request's progress token. The MCP
 * specification requires progress to increase with every notification, so
 * a value that does not (a run retried from 0) is dropped. Without a token
 * the client did not ask for progress and nothing is sent.
 */
function progressReporter(extra: RequestExtra, log: Logger): ToolCallContext['reportProgress'] {
  const progressToken = extra._meta?.progressToken;
  let lastProgress = -Infinity;
  return async (progress, total, message) => {
    if (progressToken === undefined || progress <= lastProgress) return;

    lastProgress = progress;
    try {
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress, total, message },
      });
    } catch (err) {
      // Progress is advisory: a client that went away still gets no result, and the tool goes on.
      log.warn({ err, progress }, 'progress notification not sent');
    }
  };
}

function toCallToolResult(outcome: ToolOutcome): CallToolResult {
  if (outcome.isError) return { isError: true, content: [{ type: 'text', text: outcome.text }] };

  return {
    structuredContent: outcome.structuredContent,
    content: [{ type: 'text', text: outcome.text }],
  };
}
