import type { z } from 'zod';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../../services/service-context.ts';

/** Hints for clients about a tool's effects, as the MCP specification defines them. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  /** True when the tool reaches outside this platform (the LiveRamp provider); false for the built-in engine. */
  openWorldHint: boolean;
}

/** Context of a tool call besides its input: the services, the caller, and the client's signals. */
export interface ToolCallContext {
  services: ServiceContext;
  caller: Caller;
  /** Aborted when the client cancels the call (MCP notifications/cancelled) or the chat user stops. */
  signal: AbortSignal;
  /** Sends a progress notification when the client asked for progress; does nothing otherwise. */
  reportProgress(progress: number, total?: number, message?: string): Promise<void>;
  /**
   * Called by start_run with the run it created or found, before it waits for
   * the run, so the chat can show the run while the call still waits.
   */
  reportRun?(runId: string): void;
}

/** Result of a tool call: data matching the output schema and a short text for people. */
export interface ToolResult<Output> {
  structuredContent: Output;
  text: string;
}

/**
 * One tool, declared once and exposed both as an MCP tool and as a chat
 * assistant tool. Handlers call services with the caller; an AppError they
 * throw becomes a tool error result the model can act on.
 */
export interface ToolDefinition<
  Input extends z.ZodObject = z.ZodObject,
  Output extends z.ZodObject = z.ZodObject,
> {
  name: string;
  title: string;
  /** Written for a model: when to use the tool, what it returns, and how it relates to the others. */
  description: string;
  inputSchema: Input;
  outputSchema: Output;
  annotations: ToolAnnotations;
  handler(input: z.infer<Input>, context: ToolCallContext): Promise<ToolResult<z.infer<Output>>>;
}

/** Declares a tool with its input and output types inferred from the schemas. */
export function defineTool<Input extends z.ZodObject, Output extends z.ZodObject>(
  definition: ToolDefinition<Input, Output>,
): ToolDefinition<Input, Output> {
  return definition;
}
