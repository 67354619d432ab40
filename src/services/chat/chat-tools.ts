import { randomUUID } from 'node:crypto';
import { jsonSchema, tool, type JSONValue, type ToolSet } from 'ai';
import { z } from 'zod';
import type { Caller } from '../../domain/organizations/caller.ts';
import { escapeMarkdown } from '../../domain/text/escape-markdown.ts';
import { invokeTool, type ToolOutcome } from '../../interfaces/tools/invoke-tool.ts';
import type { ToolCallContext, ToolDefinition } from '../../interfaces/tools/tool-definition.ts';
import { toolRegistry } from '../../interfaces/tools/tool-registry.ts';
import type { ServiceContext } from '../service-context.ts';
import { ProgressQueue } from './progress-queue.ts';
import type { RepeatedCallGuard } from './repeated-call-guard.ts';
import type { ToolExecutions } from './tool-executions.ts';

/**
 * Output of a chat tool: the run start_run created, progress updates while
 * it waits for that run, then its outcome.
 */
export type ChatToolOutput =
  | { kind: 'run'; runId: string }
  | { kind: 'progress'; progress: number; text: string }
  | { kind: 'outcome'; outcome: ToolOutcome };

export const REPEATED_CALL_TEXT =
  'Not run: this call repeats an earlier call of this answer with identical arguments, so it would return the same result. The answer stops here.';

/**
 * Exposes the shared tool registry as AI SDK tools for one answer. Each
 * call checks its arguments against the tool's input schema and runs
 * through invokeTool, so an invalid argument or an AppError becomes an
 * error result the model can act on, exactly as over MCP.
 */
export function createChatTools(
  answer: Omit<ExecuteContext, 'signal' | 'toolCallId'>,
  tools: readonly ToolDefinition[] = toolRegistry,
): ToolSet {
  return Object.fromEntries(
    tools.map((definition) => [definition.name, chatTool(definition, answer)]),
  );
}

function chatTool(
  definition: ToolDefinition,
  answer: Omit<ExecuteContext, 'signal' | 'toolCallId'>,
) {
  return tool<unknown, ChatToolOutput>({
    description: definition.description,
    // Models see the JSON Schema of the declared types, but the lenient input schema still accepts "30" for 30.
    inputSchema: jsonSchema(z.toJSONSchema(definition.inputSchema, { io: 'input' }) as object),
    execute: (input, options) =>
      executeChatTool(definition, input, {
        ...answer,
        signal: options.abortSignal,
        toolCallId: options.toolCallId,
      }),
    toModelOutput: ({ output }) => toModelOutput(output),
  });
}

interface ExecuteContext {
  services: ServiceContext;
  caller: Caller;
  guard: RepeatedCallGuard;
  /** Records each started call, so a stopped answer can store what its calls did. */
  executions: ToolExecutions;
  signal: AbortSignal | undefined;
  toolCallId: string;
}

async function* executeChatTool(
  definition: ToolDefinition,
  input: unknown,
  { services, caller, guard, executions, signal, toolCallId }: ExecuteContext,
): AsyncGenerator<ChatToolOutput> {
  if (guard.isRepeat(definition.name, input)) {
    yield { kind: 'outcome', outcome: { isError: true, text: REPEATED_CALL_TEXT } };
    return;
  }
  const parsed = definition.inputSchema.safeParse(input);
  if (!parsed.success) {
    yield { kind: 'outcome', outcome: { isError: true, text: describeIssues(parsed.error) } };
    return;
  }

  const progress = new ProgressQueue<ChatToolOutput>();
  const context: ToolCallContext = {
    services,
    caller,
    signal: signal ?? new AbortController().signal,
    reportProgress: (value, _total, message) => {
      progress.push({ kind: 'progress', progress: value, text: message ?? `${value}% done` });
      return Promise.resolve();
    },
    reportRun: (runId) => progress.push({ kind: 'run', runId }),
  };
  const parsedInput = withIdempotencyKey(definition.name, parsed.data);
  const pending = invokeTool(definition, parsedInput, context)
    .then(toMarkdownOutcome)
    .finally(() => progress.close());
  executions.add({ toolCallId, toolName: definition.name, input, parsedInput, outcome: pending });
  yield* progress;
  yield { kind: 'outcome', outcome: await pending };
}

/**
 * Gives a start_run call without an idempotencyKey one, so the run it
 * creates can be found again by the same arguments when the user stops the
 * answer while the call waits for the run.
 */
function withIdempotencyKey(
  toolName: string,
  input: Record<string, unknown>,
): Record<string, unknown> {
  if (toolName !== 'start_run' || input.idempotencyKey) return input;
  return { ...input, idempotencyKey: randomUUID() };
}

/**
 * Makes a tool outcome safe to render as markdown in the chat. A success
 * text is markdown already, with its data values escaped where they are
 * written. An error text is plain text, as MCP clients get it. Service
 * messages quote room, dataset and organization names and parameter values
 * without marking them, so the whole error text is escaped here, and a room
 * named `**x**` shows as typed, not in bold. The model, the chat events and
 * the stored history all get this escaped text.
 */
export function toMarkdownOutcome(outcome: ToolOutcome): ToolOutcome {
  return outcome.isError ? { isError: true, text: escapeMarkdown(outcome.text) } : outcome;
}

/**
 * Names each invalid argument and why, as the MCP SDK's validation does. The
 * issues quote the values received, so they are escaped like every tool error text.
 */
function describeIssues(error: z.ZodError): string {
  const issues = error.issues.map(
    (issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`,
  );
  return `Invalid arguments: ${escapeMarkdown(issues.join('; '))}. Fix them and call again.`;
}

/** Encodes a tool's outcome for the model. */
function toModelOutput(output: ChatToolOutput) {
  if (output.kind === 'run') return { type: 'text' as const, value: `Run ${output.runId} started` };
  if (output.kind === 'progress') return { type: 'text' as const, value: output.text };
  const { outcome } = output;
  return outcome.isError
    ? modelOutputOf(true, outcome.text, null)
    : modelOutputOf(false, outcome.text, outcome.structuredContent);
}

/** Builds the tool result a model reads (JSON `{ text, data }`, or error text), for this answer and for the history. */
export function modelOutputOf(
  isError: boolean,
  text: string,
  data: Record<string, unknown> | null,
): { type: 'error-text'; value: string } | { type: 'json'; value: JSONValue } {
  if (isError) return { type: 'error-text', value: text };
  return { type: 'json', value: { text, data } as unknown as JSONValue };
}
