import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Logger } from '../../adapters/logging/logger.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import { invokeTool, type ToolOutcome } from '../tools/invoke-tool.ts';
import type { ToolCallContext, ToolDefinition } from '../tools/tool-definition.ts';
import { RunStatusSchema } from '../../domain/runs/question-run.ts';
import type { RunLogMessages } from './run-log-messages.ts';

type RequestExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Registers each tool on the MCP server. The SDK's registrations serve
 * tools/list. tools/call gets its own handler, so that an unknown tool and
 * invalid arguments are reported in the `CODE: message` form of every other
 * tool error, the first with the list of valid tools.
 */
export function registerTools(
  server: McpServer,
  tools: readonly ToolDefinition[],
  services: ServiceContext,
  caller: Caller,
  runLog?: RunLogMessages,
): void {
  const callTool = async (
    tool: ToolDefinition,
    input: Record<string, unknown>,
    context: ToolCallContext,
  ): Promise<CallToolResult> => {
    const outcome = await invokeTool(tool, input, context);
    if (runLog !== undefined && tool.name === 'start_run') followStartedRun(runLog, outcome);
    return toCallToolResult(outcome);
  };

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
      async (input, extra) => callTool(tool, input, toolCallContext(services, caller, extra)),
    );
  }
  handleToolCalls(server, tools, services, caller, callTool);
}

/** Hands the run that a successful start_run returned to the run log messages. */
function followStartedRun(runLog: RunLogMessages, outcome: ToolOutcome): void {
  if (outcome.isError) return;
  const run = (outcome.structuredContent as { run?: { id?: unknown; status?: unknown } }).run;
  const status = RunStatusSchema.safeParse(run?.status);
  if (typeof run?.id === 'string' && status.success) runLog.follow(run.id, status.data);
}

/** Replaces the SDK's tools/call handler, whose errors read `MCP error -32602: Input validation error: ...`. */
function handleToolCalls(
  server: McpServer,
  tools: readonly ToolDefinition[],
  services: ServiceContext,
  caller: Caller,
  callTool: ToolCaller,
): void {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args } = request.params;
    const tool = byName.get(name);
    if (tool === undefined) {
      const valid = [...byName.keys()].join(', ');
      return errorResult(`TOOL_NOT_FOUND: Tool "${name}" does not exist; valid tools: ${valid}.`);
    }

    const parsed = await tool.inputSchema.safeParseAsync(args ?? {});
    if (!parsed.success) {
      return errorResult(
        `VALIDATION_FAILED: Invalid arguments for tool ${name}: ${describeIssues(parsed.error)}`,
      );
    }
    return callTool(tool, parsed.data, toolCallContext(services, caller, extra));
  });
}

type ToolCaller = (
  tool: ToolDefinition,
  input: Record<string, unknown>,
  context: ToolCallContext,
) => Promise<CallToolResult>;

/** Lists each issue as `message at path`, as the SDK did, separated by semicolons. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) =>
      issue.path.length === 0 ? issue.message : `${issue.message} at ${issue.path.join('.')}`,
    )
    .join('; ');
}

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

function toolCallContext(
  services: ServiceContext,
  caller: Caller,
  extra: RequestExtra,
): ToolCallContext {
  return {
    services,
    caller,
    // The SDK aborts this signal on notifications/cancelled and then sends no response.
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
